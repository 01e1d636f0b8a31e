/** Files exprag creates in places other people's repositories decide: never through a link. */
import { closeSync, linkSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isErrno } from "../errors";
import { pidAlive } from "./processes";

export function isSymlink(path: string): boolean {
  try {
    // Nothing there is the common case (a new store): answered without a thrown error, whose first costs about 0.2 ms.
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
  } catch {
    return false;
  }
}

/** Whether a folder on the way to `path` (relative, `/`-separated) inside `top` is a link, which may point anywhere. */
export function linkOnTheWay(top: string, path: string): boolean {
  const parts = path.split("/").slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const at = join(top, ...parts.slice(0, i));
    if (isSymlink(at)) return true;
    if (!somethingAt(at)) return false;
  }
  return false;
}

/** Whether anything is seen at `path`: a file, a folder, or a link, even a dangling one. */
export function somethingAt(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // not to be seen: a file on the way, or a folder not searchable
  }
}

/**
 * Creates `path` holding `text` unless something (a file, or a link, even a dangling one) is there
 * already (false then): written whole under another name first, so no one (git status, a reader,
 * a process killed meanwhile) ever finds it empty.
 */
export function writeNewFile(path: string, text: string, mode: number): boolean {
  const staged = stagedPath(path);
  try {
    writeFileSync(staged, text, { flag: "wx", mode });
    placeNewFile(staged, path);
    return true;
  } catch (error) {
    if (isErrno(error, "EEXIST")) return false;
    throw error;
  } finally {
    rmSync(staged, { force: true });
  }
}

/** A name beside `path` for the file that will take its place, hidden from listings and unique across hosts sharing the folder. */
export const stagedPath = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${Bun.randomUUIDv7().slice(-8)}.starting`);

const STAGED = /^\..+\.(\d+)\.[0-9a-f]{8}\.starting$/;

/** Whether a file name is one stagedPath gives: a file being placed. */
export const isStagedName = (name: string): boolean => STAGED.test(name);
/**
 * A writer places its staged file within moments; one a day old was left by a writer killed
 * meanwhile, whatever the clocks of the hosts sharing the folder say.
 */
const ABANDONED_MS = 24 * 60 * 60 * 1000;

/** The staged files (stagedPath) in `folder` that their writers left, killed before they placed or removed them. */
export function abandonedStagedFiles(folder: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const pid = Number(STAGED.exec(name)?.[1] ?? 0);
    // A writer of this host still alive (stopped, suspended) may place it yet.
    if (!pid || pidAlive(pid)) return [];
    const path = join(folder, name);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return stat?.isFile() === true && now - stat.mtimeMs > ABANDONED_MS ? [path] : [];
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
    if (!NO_HARD_LINKS.some((code) => isErrno(error, code))) throw error;
    closeSync(openSync(path, "wx", 0o600));
    try {
      renameSync(staged, path);
    } catch (renaming) {
      rmSync(path, { force: true }); // the empty file made just now, exclusively: ours
      throw renaming;
    }
    return;
  }
  try {
    rmSync(staged, { force: true });
  } catch {
    // placed all the same; a name left (a virus scanner holding it) is gc's
  }
}

/**
 * What link() fails with where the file system has no hard links (FAT, exFAT, some network and
 * FUSE mounts; Windows reports FAT's refusal as EISDIR).
 */
const NO_HARD_LINKS = ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EISDIR"];
