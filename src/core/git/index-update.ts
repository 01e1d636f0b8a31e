/** Hashing the paths `git status` named into a temporary index, in as few index rewrites as it can. */
import { lstatSync } from "node:fs";
import type { Git } from "./repository";

/**
 * Changed files given to the first `git update-index`: a big snapshot is taken in steps, to show
 * how far it got. Each step rewrites the whole index, so each step takes twice the files of the
 * one before: N files cost about log2(N / FIRST_UPDATE_BATCH) rewrites, not N / FIRST_UPDATE_BATCH.
 */
const FIRST_UPDATE_BATCH = 1000;

/**
 * Removes `remove` (gone from the work tree) from the index file `index` and hashes `update` into
 * it. The removals come first, so a path that takes a removed one's place (a file where a folder
 * was) finds it gone, and they ride along with the first step rather than cost a rewrite of their own.
 */
export function updateIndex(
  git: Git,
  index: string,
  top: string,
  paths: { remove: Buffer[]; update: Buffer[] },
  progress?: (done: number, total: number) => void,
): void {
  const forced = new Set(paths.remove.filter((path) => needsForceRemove(top, path)));
  const removed = paths.remove.filter((path) => !forced.has(path));
  if (forced.size) git.text(["update-index", "--force-remove", "-z", "--stdin"], { index, input: nulSeparated([...forced]) });
  const { update } = paths;
  if (update.length === 0) {
    if (removed.length) git.text(["update-index", "--remove", "-z", "--stdin"], { index, input: nulSeparated(removed) });
    return;
  }
  for (let from = 0, size = FIRST_UPDATE_BATCH; from < update.length; from += size, size *= 2) {
    const batch = update.slice(from, from + size);
    git.text(["update-index", "--add", "--remove", "-z", "--stdin"], { index, input: nulSeparated(from === 0 ? [...removed, ...batch] : batch) });
    progress?.(from + batch.length, update.length);
  }
}

/** Paths as `update-index -z --stdin` reads them. */
export function nulSeparated(paths: Buffer[]): Buffer {
  return Buffer.concat(paths.flatMap((path) => [path, Buffer.from([0])]));
}

/**
 * Whether `update-index --remove` would not remove a path status called deleted: it is there after
 * all, or lies beyond a symbolic link (a folder that became one), which update-index refuses.
 */
function needsForceRemove(top: string, rawPath: Buffer): boolean {
  const full = (end: number) => Buffer.concat([Buffer.from(`${top}/`), rawPath.subarray(0, end)]);
  try {
    lstatSync(full(rawPath.length));
    return true;
  } catch {
    // gone, as status said
  }
  for (let slash = rawPath.indexOf(0x2f); slash > 0; slash = rawPath.indexOf(0x2f, slash + 1)) {
    try {
      if (lstatSync(full(slash)).isSymbolicLink()) return true;
    } catch {
      return false; // a missing folder: nothing lies beyond it
    }
  }
  return false;
}
