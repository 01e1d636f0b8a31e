/** Files exprag creates in places other people's repositories decide: never through a link. */
import { closeSync, lstatSync, openSync, writeSync } from "node:fs";
import { isErrno } from "../errors";

export function isSymlink(path: string): boolean {
  try {
    // Nothing there is the common case (a new store): answered without a thrown error, whose first costs about 0.2 ms.
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
  } catch {
    return false;
  }
}

/** Creates `path` with `text` unless something (a file, or a link, even a dangling one) is there already. */
export function writeNewFile(path: string, text: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(path, "wx", mode);
  } catch (error) {
    if (isErrno(error, "EEXIST")) return;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
