/** Files exprag creates in places other people's repositories decide: never through a link. */
import { closeSync, linkSync, lstatSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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

/** A name beside `path` for the file that will take its place, hidden from listings and unique across hosts sharing the folder. */
export const stagedPath = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${Bun.randomUUIDv7().slice(-8)}.starting`);

/**
 * Gives the file written at `staged` the name `path`, never over anything there (an EEXIST error
 * then): readers see the file whole or not at all, never empty. Where the file system has no hard
 * links it is renamed into place after a look, which only another writer of the same name could race.
 */
export function placeNewFile(staged: string, path: string): void {
  try {
    linkSync(staged, path);
  } catch (error) {
    if (isErrno(error, "EEXIST")) throw error;
    if (lstatSync(path, { throwIfNoEntry: false })) throw Object.assign(new Error(`EEXIST: file already exists, '${path}'`), { code: "EEXIST" });
    renameSync(staged, path);
    return;
  }
  rmSync(staged, { force: true });
}
