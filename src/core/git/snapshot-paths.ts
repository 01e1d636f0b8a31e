/**
 * What a snapshot takes of what `git status` named: the code's entries (not-code left out), the
 * untracked files it leaves out and why (nested repositories, the run store, secrets, excluded or
 * too large), the paths to hash and to remove, and what HEAD's tree is given to build from.
 */
import { lstatSync, realpathSync, type Stats } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import type { SkippedFile } from "../record/schema";
import type { Repository } from "./repository";
import { codeEntries, DEFAULT_NOT_CODE, isExcluded, type StatusEntry } from "./status";
import type { StatusChanges } from "./tree-from-head";
import type { WorkTreeOptions } from "./work-tree";

/**
 * Untracked files that look like secrets stay out of snapshots unless asked for: a snapshot is a
 * commit, and commits get pushed. Matched on the file's name; tracked files are never left out.
 */
const SECRET_NAMES = [
  /^\.env(\..*)?$/,
  /^\.envrc$/,
  /\.(pem|key|p12|pfx|jks|keystore|kdbx|ovpn)$/,
  /^id_(rsa|dsa|ecdsa|ed25519)(\.|$)/,
  /^\.(netrc|pgpass|npmrc|pypirc|git-credentials)$/,
  /^credentials/,
];

export function looksLikeSecret(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return SECRET_NAMES.some((pattern) => pattern.test(name));
}

/** What status said, sorted for the snapshot: what it takes and leaves out, and what its tree is made from. */
export interface Sorted {
  entries: StatusEntry[];
  skipped: SkippedFile[];
  toUpdate: Buffer[];
  toRemove: Buffer[];
  /** What treeFromHead is given, where HEAD's tree may be the way; null where only the copy of the index is. */
  fromHead: StatusChanges | null;
}

/**
 * `all`, what status said, sorted out for the snapshot; `hiding`: the index may hide changes, so
 * its way alone makes the tree. `storeInside`: storeIn's answer, where the caller has it already.
 */
export function sortOut(
  repo: Repository,
  options: WorkTreeOptions,
  hiding: boolean,
  all: StatusEntry[],
  storeInside = storeIn(repo.top, options.store),
): Sorted {
  const entries = codeEntries(all, options.notCode ?? DEFAULT_NOT_CODE);
  const skipped: SkippedFile[] = [];
  const toUpdate: Buffer[] = [];
  const toRemove: Buffer[] = [];
  const untracked: Buffer[] = [];
  for (const entry of entries) {
    if (entry.code === "??") {
      const reason = untrackedExclusion(repo.top, entry.path, storeInside, options);
      if (reason) skipped.push(reason);
      else {
        toUpdate.push(entry.path);
        untracked.push(entry.path);
      }
    } else if (entry.code[1] === "D") {
      toRemove.push(entry.path); // gone from the work tree
    } else if (entry.code[1] !== " " || UNMERGED.has(entry.code)) {
      // Changed in the work tree, or unmerged: take the work tree's version.
      toUpdate.push(entry.path);
    }
  }
  if (hiding || options.throughIndex) return { entries, skipped, toUpdate, toRemove, fromHead: null };
  const taken = new Set(entries);
  const hidden = entries.length === all.length ? [] : all.filter((entry) => !taken.has(entry));
  const tracked = entries.filter((entry) => entry.code !== "??");
  return { entries, skipped, toUpdate, toRemove, fromHead: { tracked, untracked, hidden } };
}

const UNMERGED = new Set(["DD", "AU", "UD", "UA", "DU", "AA", "UU"]);

/** Why an untracked file stays out of the snapshot, if it does. `rawPath` is git's bytes: names need not be UTF-8. */
function untrackedExclusion(top: string, rawPath: Buffer, storeInside: string | null, options: WorkTreeOptions): SkippedFile | null {
  const path = rawPath.toString();
  const maxBytes = options.maxUntrackedBytes;
  if (path.endsWith("/")) return { path, reason: "nested git repository" };
  if (storeInside !== null && isInside(path, storeInside)) return { path, reason: "the run store" };
  if (!options.includeSecrets && looksLikeSecret(path)) return { path, reason: "looks like a secret (untracked); --snapshot-secrets takes it" };
  if (options.exclude && isExcluded(path, options.exclude)) return { path, reason: "excluded by snapshot-exclude" };
  let stat: Stats;
  try {
    stat = lstatSync(Buffer.concat([Buffer.from(`${top}/`), rawPath]));
  } catch {
    return { path, reason: "vanished before the snapshot" };
  }
  if (stat.isFile() && stat.size > maxBytes) return { path, reason: `larger than ${maxBytes} bytes`, bytes: stat.size };
  return null;
}

export function sawStore(entries: StatusEntry[], storeInside: string | null): boolean {
  return storeInside !== null && entries.some((entry) => isInside(entry.path, storeInside));
}

function isInside(path: Buffer | string, folder: string): boolean {
  const text = path.toString();
  return text === folder || text.startsWith(`${folder}/`);
}

/** The store's path relative to the work tree's top (a real path, as git gives it), when it lies inside it. */
export function storeIn(top: string, store: string): string | null {
  let real = store;
  try {
    real = realpathSync(store);
  } catch {
    // not made yet: taken as written
  }
  return insideOf(top, real);
}

function insideOf(top: string, path: string): string | null {
  const rel = relative(top, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return rel === "" ? "" : null;
  return rel.split(sep).join("/");
}
