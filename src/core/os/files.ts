/** Files exprag creates in places other people's repositories decide: never through a link. */
import { closeSync, linkSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
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

/**
 * Creates `path` with `text` unless something (a file, or a link, even a dangling one) is there
 * already: written whole under another name first, so no one (git status, a reader, a process
 * killed meanwhile) ever finds it empty.
 */
export function writeNewFile(path: string, text: string, mode: number): void {
  const staged = stagedPath(path);
  const fd = openSync(staged, "wx", mode);
  try {
    writeSync(fd, text);
    placeNewFile(staged, path);
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error;
  } finally {
    closeSync(fd);
    rmSync(staged, { force: true });
  }
}

/** A name beside `path` for the file that will take its place, hidden from listings and unique across hosts sharing the folder. */
export const stagedPath = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${Bun.randomUUIDv7().slice(-8)}.starting`);

const STAGED = /^\..+\.\d+\.[0-9a-f]{8}\.starting$/;
/** A writer places its staged file within moments; one this old was left by a writer killed meanwhile. */
const ABANDONED_MS = 60 * 60 * 1000;

/** The staged files (stagedPath) in `folder` that their writers left, killed before they placed or removed them. */
export function abandonedStagedFiles(folder: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => STAGED.test(name))
    .map((name) => join(folder, name))
    .filter((path) => {
      const stat = lstatSync(path, { throwIfNoEntry: false });
      return stat?.isFile() === true && now - stat.mtimeMs > ABANDONED_MS;
    });
}

/**
 * Gives the file written at `staged` the name `path`, never over anything there (an EEXIST error
 * then): readers see the file whole or not at all, never empty. Where the file system has no hard
 * links, the name is taken first by an empty file made exclusively, which the staged one replaces.
 */
export function placeNewFile(staged: string, path: string): void {
  try {
    linkSync(staged, path);
  } catch (error) {
    if (isErrno(error, "EEXIST")) throw error;
    closeSync(openSync(path, "wx", 0o600));
    renameSync(staged, path);
    return;
  }
  rmSync(staged, { force: true });
}
