/**
 * The work tree as a tree object, from one scan: `git status` runs against a temporary copy of
 * the index (timestamps kept, so git trusts its stat cache), or a run's early status against the
 * index itself, and lists every change; only the paths it names are then hashed, into HEAD's tree
 * where that builds the same tree (tree-from-head.ts), else into a copy, which becomes a tree.
 */
import { lstatSync, realpathSync, type Stats } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import type { SkippedFile } from "../record/schema";
import { takeEarlyStatus } from "./early-status";
import { copyIndexInto } from "./index-copy";
import { indexMayHideChanges } from "./index-file";
import { nulSeparated, updateIndex } from "./index-update";
import type { Git, Repository } from "./repository";
import { codeEntries, DEFAULT_NOT_CODE, isExcluded, readStatus, type StatusEntry, startStatus } from "./status";
import { type StatusChanges, treeFromHead, treeFromHeadWhile } from "./tree-from-head";

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

export interface WorkTreeOptions {
  /** Names the temporary index; with this process's pid and start time, so gc can tell it is in use. */
  name: string;
  /** The run store; never part of a snapshot. */
  store: string;
  maxUntrackedBytes: number;
  /** Also take untracked files that look like secrets. */
  includeSecrets?: boolean;
  /** Globs of untracked files to leave out (`snapshot-exclude`); one without a `/` matches a file name anywhere. */
  exclude?: string[];
  /** What is not the experiment's code (`not-code`; default DEFAULT_NOT_CODE): never in a snapshot, never making it dirty. */
  notCode?: string[];
  /** Told how many of the changed files are in the copy so far, for a progress line. */
  progress?: (done: number, total: number) => void;
  /** Always build the tree in a copy of the index (update-index, write-tree), never from HEAD's tree: tests compare the two. */
  throughIndex?: boolean;
  /**
   * Told once, when status read while the caller works (writeWorkTreeWhile) says the work tree
   * differs from HEAD, before its tree is made: the caller can start what storing it takes.
   */
  changed?: () => void;
}

/** The work tree as a tree object, and what `git status` said about it. */
export interface WorkTreeState {
  /** The tree of the work tree, or the tree of HEAD when nothing changed (null before the first commit). */
  tree: string | null;
  entries: StatusEntry[];
  skipped: SkippedFile[];
}

/**
 * Writes the work tree as a tree object: status against a copy of the index, then only the paths
 * it names are hashed, into HEAD's tree (tree-from-head.ts) or, where that way does not build the
 * same tree, into the copy. Untracked files over `maxUntrackedBytes`, nested repositories and the
 * run store are left out, unread.
 */
export function writeWorkTree(git: Git, repo: Repository, options: WorkTreeOptions): WorkTreeState {
  const copy = copyIndexInto(repo.gitDir, repo.index, options.name);
  try {
    return treeOfCopy(git, repo, options, copy.index);
  } finally {
    copy.remove();
  }
}

/** The tree of the work tree from status read against `index`, a copy of the index made for it. */
function treeOfCopy(git: Git, repo: Repository, options: WorkTreeOptions, index: string): WorkTreeState {
  const { hiding } = clearHidingBits(git, repo, index);
  return treeOfStatus(git, repo, options, index, hiding, readStatus(git, index).entries);
}

/**
 * `writeWorkTree`, with `meanwhile` run while git reads the work tree's status (work of the
 * caller's own, done on the other core instead of after), and the index's check for hidden
 * entries done meanwhile too; after status, the files are hashed while HEAD's trees are read
 * (treeFromHeadWhile). The status may be the one exprag started as it started (early-status.ts).
 * (The config question the snapshot's objects need is asked beside hash-object, not beside
 * status: there it would cost every run at a clean tree a git process.)
 */
export async function writeWorkTreeWhile(git: Git, repo: Repository, options: WorkTreeOptions, meanwhile: () => void): Promise<WorkTreeState> {
  const early = takeEarlyStatus(repo, git.env);
  return early ? await fromEarlyStatus(git, repo, options, early, meanwhile) : await fromOwnStatus(git, repo, options, meanwhile);
}

/**
 * The early status read the index itself, so no copy of it is made unless one is needed: where
 * that status cannot be taken (another index or HEAD by now), the index hides changes from it,
 * or it saw the store before its .gitignore was written, the snapshot is read the copy's way;
 * where the tree is made the index's way, the copy holds the index status read, or status reads
 * the copy again.
 */
async function fromEarlyStatus(
  git: Git,
  repo: Repository,
  options: WorkTreeOptions,
  early: NonNullable<ReturnType<typeof takeEarlyStatus>>,
  meanwhile: () => void,
): Promise<WorkTreeState> {
  let hides: boolean;
  try {
    meanwhile();
    hides = indexMayHideChanges(repo.index);
  } catch (error) {
    await early; // git is done with the index
    throw error;
  }
  const read = await early;
  if (read === null || hides || sawStore(read.entries, storeIn(repo.top, options.store))) return writeWorkTree(git, repo, options);
  const sorted = sortOut(repo, options, false, read.entries);
  if (sorted.entries.length === 0) return { tree: repo.headTree, entries: sorted.entries, skipped: sorted.skipped };
  options.changed?.();
  const tree = sorted.fromHead && (await treeFromHeadWhile(git, repo, sorted.fromHead, options.progress));
  if (tree) return { tree, entries: sorted.entries, skipped: sorted.skipped };
  const copy = copyIndexInto(repo.gitDir, repo.index, options.name);
  try {
    return read.sameIndex() ? throughIndex(git, repo, copy.index, sorted, options) : treeOfCopy(git, repo, options, copy.index);
  } finally {
    copy.remove();
  }
}

/** The snapshot's own status, against a copy of the index, with `meanwhile` run while it reads. */
async function fromOwnStatus(git: Git, repo: Repository, options: WorkTreeOptions, meanwhile: () => void): Promise<WorkTreeState> {
  const copy = copyIndexInto(repo.gitDir, repo.index, options.name);
  try {
    const status = startStatus(git, copy.index);
    let cleared: ReturnType<typeof clearHidingBits>;
    try {
      meanwhile();
      cleared = clearHidingBits(git, repo, copy.index);
    } catch (error) {
      // git is done with the copy before it is removed.
      await status.catch(() => {});
      throw error;
    }
    const first = await status;
    // Where entries hid changes (rarely), the copy shows them only now: status reads it again.
    const entries = cleared.changed ? readStatus(git, copy.index).entries : first.entries;
    return await treeOfStatusWhile(git, repo, options, copy.index, cleared.hiding, entries);
  } finally {
    copy.remove();
  }
}

/** What status said, sorted for the snapshot: what it takes and leaves out, and what its tree is made from. */
interface Sorted {
  entries: StatusEntry[];
  skipped: SkippedFile[];
  toUpdate: Buffer[];
  toRemove: Buffer[];
  /** What treeFromHead is given, where HEAD's tree may be the way; null where only the copy of the index is. */
  fromHead: StatusChanges | null;
}

/** The tree of the work tree from `all`, what status said of it against the copy. */
function treeOfStatus(git: Git, repo: Repository, options: WorkTreeOptions, index: string, hiding: boolean, all: StatusEntry[]): WorkTreeState {
  const sorted = sortOut(repo, options, hiding, all);
  if (sorted.entries.length === 0) return { tree: repo.headTree, entries: sorted.entries, skipped: sorted.skipped };
  const tree = sorted.fromHead && treeFromHead(git, repo, sorted.fromHead, options.progress);
  return !tree ? throughIndex(git, repo, index, sorted, options) : { tree, entries: sorted.entries, skipped: sorted.skipped };
}

/** `treeOfStatus`, with its git processes going on beside its own work (treeFromHeadWhile). */
async function treeOfStatusWhile(
  git: Git,
  repo: Repository,
  options: WorkTreeOptions,
  index: string,
  hiding: boolean,
  all: StatusEntry[],
): Promise<WorkTreeState> {
  const sorted = sortOut(repo, options, hiding, all);
  if (sorted.entries.length === 0) return { tree: repo.headTree, entries: sorted.entries, skipped: sorted.skipped };
  options.changed?.();
  const tree = sorted.fromHead && (await treeFromHeadWhile(git, repo, sorted.fromHead, options.progress));
  return !tree ? throughIndex(git, repo, index, sorted, options) : { tree, entries: sorted.entries, skipped: sorted.skipped };
}

function sortOut(repo: Repository, options: WorkTreeOptions, hiding: boolean, all: StatusEntry[]): Sorted {
  const entries = codeEntries(all, options.notCode ?? DEFAULT_NOT_CODE);
  const skipped: SkippedFile[] = [];
  const storeInside = storeIn(repo.top, options.store);
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

/** The tree made the index's way: the changed paths hashed into the copy of the index, which becomes a tree. */
function throughIndex(git: Git, repo: Repository, index: string, sorted: Sorted, options: WorkTreeOptions): WorkTreeState {
  updateIndex(git, index, repo.top, { remove: sorted.toRemove, update: sorted.toUpdate }, options.progress);
  // --missing-ok: every entry's object is in the repository already (HEAD's, or hashed just now
  // by update-index), so write-tree need not look each one up again; the tree is the same.
  return { tree: git.text(["write-tree", "--missing-ok"], { index }), entries: sorted.entries, skipped: sorted.skipped };
}

/**
 * Entries marked assume-unchanged, or skip-worktree yet present in the work tree, would hide
 * their changes from status: in the copy of the index, they are looked at like any other.
 * (Skip-worktree entries absent from the work tree, as outside a sparse checkout, stay as they are.)
 * `hiding`: the index may hold such entries, so its tree is made from the index alone; `changed`:
 * the copy was changed, so a status read before no longer holds.
 */
function clearHidingBits(git: Git, repo: Repository, index: string): { hiding: boolean; changed: boolean } {
  if (!indexMayHideChanges(index)) return { hiding: false, changed: false };
  const listed = git.run(["ls-files", "-v", "-z"], { index });
  if (listed.code !== 0) return { hiding: true, changed: false };
  const hidden: { tag: string; path: Buffer }[] = [];
  for (const field of splitNul(listed.stdout)) {
    const tag = String.fromCharCode(field[0]!);
    const hiding = tag === "S" || (tag >= "a" && tag <= "z");
    if (!hiding) continue;
    const path = field.subarray(2);
    try {
      lstatSync(Buffer.concat([Buffer.from(`${repo.top}/`), path]));
      hidden.push({ tag, path });
    } catch {
      // absent from the work tree: left as it is
    }
  }
  // update-index applies one of these marks per call.
  for (const [flag, tags] of [
    ["--no-assume-unchanged", /[a-z]/],
    ["--no-skip-worktree", /[Ss]/],
  ] as const) {
    const paths = hidden.filter((entry) => tags.test(entry.tag)).map((entry) => entry.path);
    if (paths.length) git.text(["update-index", flag, "-z", "--stdin"], { index, input: nulSeparated(paths) });
  }
  return { hiding: true, changed: hidden.length > 0 };
}

function splitNul(output: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  for (let start = 0, end = output.indexOf(0); end >= 0; start = end + 1, end = output.indexOf(0, start)) fields.push(output.subarray(start, end));
  return fields;
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

function sawStore(entries: StatusEntry[], storeInside: string | null): boolean {
  return storeInside !== null && entries.some((entry) => isInside(entry.path, storeInside));
}

function isInside(path: Buffer | string, folder: string): boolean {
  const text = path.toString();
  return text === folder || text.startsWith(`${folder}/`);
}

/** The store's path relative to the work tree's top (a real path, as git gives it), when it lies inside it. */
function storeIn(top: string, store: string): string | null {
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
