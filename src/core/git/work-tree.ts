/**
 * The work tree as a tree object, from one scan: `git status` runs against a temporary copy of
 * the index (timestamps kept, so git trusts its stat cache), or a run's early status against the
 * index itself, and lists every change; only the paths it names are then hashed, into HEAD's tree
 * where that builds the same tree (tree-from-head.ts), else into a copy, which becomes a tree.
 */
import { lstatSync } from "node:fs";
import type { SkippedFile } from "../record/schema";
import { type EarlyStatus, takeEarlyStatus } from "./early-status";
import { copyIndexInto } from "./index-copy";
import { indexMayHideChanges } from "./index-file";
import { nulSeparated, updateIndex } from "./index-update";
import type { Git, OpenGit, Repository } from "./repository";
import { type Sorted, sawStore, sortOut, storeIn } from "./snapshot-paths";
import { readStatus, type StatusEntry, startStatus } from "./status";
import { openHasher, treeFromHead, treeFromHeadWhile } from "./tree-from-head";

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
 * (treeFromHeadWhile). The status may be the one exprag started as it started (early-status.ts):
 * the hash-object is then started beside it too, and told nothing at a clean tree, which so pays
 * for one git process started and ended (about 1% of its run, for about 7% off a dirty one's).
 * The config question, where the config files cannot answer it, is asked beside hash-object's
 * hashing, not beside status: there it would cost every run at a clean tree one more process.
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
  early: Promise<EarlyStatus | null>,
  meanwhile: () => void,
): Promise<WorkTreeState> {
  // hash-object starts now, beside the status: once status names the changed files, only their hashing is left to wait for.
  const hasher = openHasher(git);
  try {
    let hides: boolean;
    try {
      meanwhile();
      hides = indexMayHideChanges(repo.index);
    } catch (error) {
      await early; // git is done with the index
      throw error;
    }
    const read = await early;
    const storeInside = storeIn(repo.top, options.store);
    if (read === null || hides || sawStore(read.entries, storeInside)) return writeWorkTree(git, repo, options);
    const sorted = sortOut(repo, options, false, read.entries, storeInside);
    return await treeOfStatusWhile(git, repo, options, sorted, hasher, (sorted) => {
      const copy = copyIndexInto(repo.gitDir, repo.index, options.name);
      try {
        return read.sameIndex() ? throughIndex(git, repo, copy.index, sorted, options) : treeOfCopy(git, repo, options, copy.index);
      } finally {
        copy.remove();
      }
    });
  } finally {
    hasher?.end(); // told nothing, it ends
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
    const sorted = sortOut(repo, options, cleared.hiding, entries);
    return await treeOfStatusWhile(git, repo, options, sorted, undefined, (sorted) => throughIndex(git, repo, copy.index, sorted, options));
  } finally {
    copy.remove();
  }
}

/** The tree of the work tree from `all`, what status said of it against the copy. */
function treeOfStatus(git: Git, repo: Repository, options: WorkTreeOptions, index: string, hiding: boolean, all: StatusEntry[]): WorkTreeState {
  const sorted = sortOut(repo, options, hiding, all);
  if (sorted.entries.length === 0) return { tree: repo.headTree, entries: sorted.entries, skipped: sorted.skipped };
  const tree = sorted.fromHead && treeFromHead(git, repo, sorted.fromHead, options.progress);
  return !tree ? throughIndex(git, repo, index, sorted, options) : { tree, entries: sorted.entries, skipped: sorted.skipped };
}

/**
 * `treeOfStatus`, with its git processes going on beside its own work (treeFromHeadWhile), from
 * what status said sorted out; `hasher`, a hash-object started already; `indexWay` makes the
 * tree where HEAD's tree is not the way.
 */
async function treeOfStatusWhile(
  git: Git,
  repo: Repository,
  options: WorkTreeOptions,
  sorted: Sorted,
  hasher: OpenGit | undefined,
  indexWay: (sorted: Sorted) => WorkTreeState,
): Promise<WorkTreeState> {
  if (sorted.entries.length === 0) return { tree: repo.headTree, entries: sorted.entries, skipped: sorted.skipped };
  options.changed?.();
  const tree = sorted.fromHead && (await treeFromHeadWhile(git, repo, sorted.fromHead, options.progress, hasher));
  return !tree ? indexWay(sorted) : { tree, entries: sorted.entries, skipped: sorted.skipped };
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
