/**
 * Which folders the search for a run's outputs looks into (outputs.ts), and the watch
 * (outputs-watch.ts) watches: not `.git`, the store, nor folders of installed code.
 */
import { accessSync, constants, type Dirent, existsSync, lstatSync } from "node:fs";
import { join, resolve } from "node:path";

/** Folders of installed code, never a run's outputs. */
const SKIPPED_FOLDERS = new Set([".git", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".hg", ".svn"]);

/**
 * Which folders the search looks into: not `.git`, installed code (by name, or a virtualenv or a
 * conda environment), nor the folders `skip` names. The whole search and the watch (outputs-watch.ts)
 * both tell a folder by its name before listing it and by its entries once listed; a folder
 * named at the end (by the watch, or on the way to a file it named) is told by `looksInto`.
 */
export interface FolderRule {
  /** By name and place, before the folder is listed: `name` is the last part of `full`. */
  named(name: string, full: string): boolean;
  /** By the folder's own entries: not an environment (the tree's top is searched whatever it holds). Asks the file system only where an entry may be a mark. */
  listed(full: string, entries: readonly Dirent[]): boolean;
  /** Both, for a folder not listed: its marks are looked up. */
  looksInto(name: string, full: string): boolean;
}

export function folderRule(skip: string[]): FolderRule {
  const skipped = new Set(skip.map((folder) => resolve(folder)));
  const named = (name: string, full: string) => !SKIPPED_FOLDERS.has(name) && !skipped.has(full);
  return {
    named,
    // A case-insensitive file system answers for a mark under another case: such a name is looked up too.
    listed: (full, entries) => !entries.some((entry) => ENVIRONMENT_MARKS.includes(entry.name.toLowerCase())) || !isEnvironmentFolder(full),
    looksInto: (name, full) => named(name, full) && !isEnvironmentFolder(full),
  };
}

/**
 * Whether the whole search would list the folder at `path` (relative to `root`, "" the root
 * itself): every folder on the way is a folder (not a link), is looked into, and can be listed.
 */
export function searchedFolders(root: string, looksInto: (name: string, full: string) => boolean): (path: string) => boolean {
  const known = new Map<string, boolean>([["", readable(root)]]);
  const searched = (path: string): boolean => {
    const answer = known.get(path);
    if (answer !== undefined) return answer;
    const slash = path.lastIndexOf("/");
    const full = join(root, path);
    let result = searched(slash < 0 ? "" : path.slice(0, slash));
    try {
      result &&= lstatSync(full).isDirectory() && looksInto(path.slice(slash + 1), full) && readable(full);
    } catch {
      result = false;
    }
    known.set(path, result);
    return result;
  };
  return searched;
}

/** Whether a folder can be listed and its entries reached, as readdir and lstat need. */
function readable(folder: string): boolean {
  try {
    accessSync(folder, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What marks a folder of installed code: a virtualenv's pyvenv.cfg, a conda environment's conda-meta. */
const ENVIRONMENT_MARKS = ["pyvenv.cfg", "conda-meta"];

/** A virtualenv or a conda environment holds installed code: one of ENVIRONMENT_MARKS is there (a link to one followed). */
function isEnvironmentFolder(folder: string): boolean {
  return ENVIRONMENT_MARKS.some((mark) => existsSync(join(folder, mark)));
}
