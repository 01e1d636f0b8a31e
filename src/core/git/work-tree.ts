/**
 * The work tree as a tree object, from one scan: `git status` runs against a temporary copy of
 * the index (timestamps kept, so git trusts its stat cache) and lists every change; only the
 * paths it names are then hashed, into HEAD's tree where that builds the same tree
 * (tree-from-head.ts), else into the copy, which becomes a tree.
 */
import { copyFileSync, lstatSync, readdirSync, rmSync, type Stats, statSync, utimesSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, join, relative, sep } from "node:path";
import { liveness, readStartTicks } from "../os/processes";
import type { SkippedFile } from "../record/schema";
import { indexMayHideChanges } from "./index-file";
import { nulSeparated, updateIndex } from "./index-update";
import type { Git, Repository } from "./repository";
import { codeEntries, DEFAULT_NOT_CODE, isExcluded, readStatus, type StatusEntry, startStatus } from "./status";
import { treeFromHead } from "./tree-from-head";

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
}

/** `exprag-<pid>-<start ticks>-<name>.index`: the owner of a temporary index is in its name. */
const TEMP_INDEX = /^exprag-(\d+)-(\d+)-.+\.index(\.lock)?$/;

function temporaryIndexName(name: string): string {
  return `exprag-${process.pid}-${readStartTicks(process.pid) ?? 0}-${name}.index`;
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
  const copy = copyIndexFor(repo, options);
  try {
    const { hiding } = clearHidingBits(git, repo, copy.index);
    return treeOfStatus(git, repo, options, copy.index, hiding, readStatus(git, copy.index).entries);
  } finally {
    copy.remove();
  }
}

/**
 * `writeWorkTree`, with `meanwhile` run while git reads the work tree's status (work of the
 * caller's own, done on the other core instead of after), and the index's check for hidden
 * entries done meanwhile too. (The config question the snapshot's objects need is asked after:
 * asked beside status, it would cost every run at a clean tree a git process.)
 */
export async function writeWorkTreeWhile(git: Git, repo: Repository, options: WorkTreeOptions, meanwhile: () => void): Promise<WorkTreeState> {
  const copy = copyIndexFor(repo, options);
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
    return treeOfStatus(git, repo, options, copy.index, cleared.hiding, entries);
  } finally {
    copy.remove();
  }
}

/** A copy of the index for status to run against, and how it is removed. */
function copyIndexFor(repo: Repository, options: WorkTreeOptions): { index: string; remove: () => void } {
  // Beside the real index, where a split index finds its shared part; removed afterwards.
  const index = join(repo.gitDir, temporaryIndexName(options.name));
  const remove = () => {
    rmSync(index, { force: true });
    rmSync(`${index}.lock`, { force: true });
  };
  try {
    copyIndex(repo.index, index);
    return { index, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The tree of the work tree from `all`, what status said of it against the copy. */
function treeOfStatus(git: Git, repo: Repository, options: WorkTreeOptions, index: string, hiding: boolean, all: StatusEntry[]): WorkTreeState {
  const entries = codeEntries(all, options.notCode ?? DEFAULT_NOT_CODE);
  const skipped: SkippedFile[] = [];
  if (entries.length === 0) return { tree: repo.headTree, entries, skipped };
  const storeInside = insideOf(repo.top, options.store);
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
  if (!hiding && !options.throughIndex) {
    const taken = new Set(entries);
    const hidden = entries.length === all.length ? [] : all.filter((entry) => !taken.has(entry));
    const tracked = entries.filter((entry) => entry.code !== "??");
    const tree = treeFromHead(git, repo, tracked, untracked, hidden, options.progress);
    if (tree !== null) return { tree, entries, skipped };
  }
  updateIndex(git, index, repo.top, { remove: toRemove, update: toUpdate }, options.progress);
  // --missing-ok: every entry's object is in the repository already (HEAD's, or hashed just now
  // by update-index), so write-tree need not look each one up again; the tree is the same.
  return { tree: git.text(["write-tree", "--missing-ok"], { index }), entries, skipped };
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

/** A copy of the index with its timestamps, so git's stat cache stays valid for it. */
function copyIndex(from: string, to: string): void {
  let stat: Stats;
  try {
    stat = statSync(from);
  } catch {
    return; // no index yet: git starts an empty one
  }
  copyFileSync(from, to);
  utimesSync(to, stat.atime, stat.mtime);
}

/** Why an untracked file stays out of the snapshot, if it does. `rawPath` is git's bytes: names need not be UTF-8. */
function untrackedExclusion(top: string, rawPath: Buffer, storeInside: string | null, options: WorkTreeOptions): SkippedFile | null {
  const path = rawPath.toString();
  const maxBytes = options.maxUntrackedBytes;
  if (path.endsWith("/")) return { path, reason: "nested git repository" };
  if (storeInside !== null && (path === storeInside || path.startsWith(`${storeInside}/`))) return { path, reason: "the run store" };
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

/** The store's path relative to the work tree top, when it lies inside it. */
function insideOf(top: string, path: string): string | null {
  const rel = relative(top, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return rel === "" ? "" : null;
  return rel.split(sep).join("/");
}

/** A temporary index in the git directory, and whether the exprag that made it still lives. */
export interface TemporaryIndex {
  path: string;
  /** "dead": its owner is gone, it may go; "alive": in use; "unknown": no owner in its name (an older exprag's). */
  owner: "dead" | "alive" | "unknown";
}

/**
 * Temporary indexes exprag made in the git directory. One is judged by the owner its name
 * records (pid and start time), never by its age: an index copy keeps the real index's old
 * timestamps, so a snapshot in progress can look old.
 */
export function temporaryIndexes(repo: Repository): TemporaryIndex[] {
  return readdirSync(repo.gitDir)
    .filter((name) => /^exprag-.*\.index(\.lock)?$/.test(name))
    .map((name) => {
      const owner = TEMP_INDEX.exec(name);
      const state = owner ? liveness({ host: hostname(), pid: Number(owner[1]), boot_id: null, start_ticks: Number(owner[2]) || null }) : "unknown";
      return { path: join(repo.gitDir, name), owner: state === "dead" ? "dead" : owner ? "alive" : "unknown" };
    });
}
