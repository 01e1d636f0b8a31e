/**
 * The code a run starts from. A clean work tree is HEAD; a dirty one is committed whole (changes,
 * deletions, untracked files that .gitignore does not exclude) onto `refs/heads/run/<run_id>`,
 * without touching HEAD, the index, the work tree, the stash or any other ref.
 *
 * One scan of the work tree serves both the record and the snapshot: `git status` runs against a
 * temporary copy of the index (timestamps kept, so git trusts its stat cache) and lists every
 * change; only the paths it names are then hashed into the copy, and the copy becomes a tree.
 */
import { copyFileSync, lstatSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { findWorkTreeTop } from "../store";

export interface GitCapture {
  /** The commit holding the run's exact code: HEAD when clean, the snapshot when dirty. */
  commit: string | null;
  /** `run/<run_id>` when a snapshot was made, else the checked-out branch (null when detached). */
  branch: string | null;
  /** HEAD at start: the snapshot's parent; null before the first commit. */
  head: string | null;
  dirty: boolean | null;
  /** The full ref of the snapshot, when one was made. */
  snapshot_ref: string | null;
  /** `git status --porcelain` lines, at most STATUS_LINES of them, and how many there were. */
  status: { lines: string[]; total: number };
  /** Files left out of the snapshot, and why. */
  skipped: { path: string; reason: string; bytes?: number }[];
  submodules: { path: string; commit: string | null; dirty: boolean }[];
  /** Why there is no snapshot, or what went differently (a fallback ref); absent when all went well. */
  note?: string;
}

export interface CaptureOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  runId: string;
  experimentName: string;
  /** The run store; never part of a snapshot. */
  store: string;
  snapshot: boolean;
  /** Untracked files larger than this are left out before git reads them. */
  maxUntrackedBytes: number;
}

export const STATUS_LINES = 100;
export const SNAPSHOT_BRANCH_PREFIX = "run/";
/** Where a snapshot goes when `refs/heads/run/<id>` cannot exist (a branch named `run`). */
export const FALLBACK_REF_PREFIX = "refs/exprag/run/";
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
/** Untracked files larger than this stay out of snapshots unless --snapshot-max-size says otherwise. */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 10 * 1024 * 1024;
const SNAPSHOT_IDENTITY = { name: "exprag", email: "exprag@localhost" };
const MAX_SUBMODULES = 50;

interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export class Git {
  constructor(
    readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  run(args: string[], options: { index?: string; input?: Buffer | string; extraEnv?: Record<string, string> } = {}): GitResult {
    // GIT_OPTIONAL_LOCKS=0: status and friends never rewrite an index just to refresh it.
    const env: Record<string, string | undefined> = { ...this.env, LC_ALL: "C", GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", ...options.extraEnv };
    if (options.index) env.GIT_INDEX_FILE = options.index;
    // No user hook (post-index-change, reference-transaction, ...) runs for exprag's own git calls.
    const result = Bun.spawnSync(["git", "-c", "core.hooksPath=/dev/null", ...args], {
      cwd: this.cwd,
      env,
      stdin: options.input === undefined ? "ignore" : Buffer.from(options.input),
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr.toString().trim() };
  }

  /** The same git, run in another directory. */
  at(cwd: string): Git {
    return new Git(cwd, this.env);
  }

  /** stdout as text when git succeeds; throws a GitError with git's own words otherwise. */
  text(args: string[], options?: Parameters<Git["run"]>[1]): string {
    const result = this.run(args, options);
    if (result.code !== 0) throw new GitError(`git ${args[0]} failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
    return result.stdout.toString().trim();
  }
}

export class GitError extends Error {}

const firstLine = (text: string) => text.split("\n").find((line) => !line.startsWith("hint:"))?.trim() ?? "";

/** Where the work tree is and what HEAD is. */
export interface Repository {
  top: string;
  gitDir: string;
  index: string;
  head: string | null;
  headTree: string | null;
  branch: string | null;
}

/** Finds the repository; a string says why there is none. */
export function openRepository(cwd: string, env: NodeJS.ProcessEnv): { git: Git; repo: Repository } | string {
  if (!env.GIT_DIR && !findWorkTreeTop(cwd, env)) return "not inside a git work tree";
  const git = new Git(cwd, env);
  let result: GitResult;
  try {
    result = git.run(["rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-path", "index", "HEAD", "HEAD^{tree}", "--symbolic-full-name", "HEAD"]);
  } catch {
    return "git is not installed";
  }
  const lines = result.stdout.toString().split("\n");
  if (result.code !== 0 && lines.length < 4) return whyNoRepository(result.stderr);
  const [top = "", gitDir = "", index = ""] = lines;
  const at = git.at(top);
  if (result.code !== 0) {
    // No commit yet: HEAD names a branch that does not exist.
    const branch = at.run(["symbolic-ref", "-q", "HEAD"]).stdout.toString().trim();
    return { git: at, repo: { top, gitDir, index: resolve(cwd, index), head: null, headTree: null, branch: shortBranch(branch) } };
  }
  const [, , , head = "", headTree = "", symbolic = ""] = lines;
  return { git: at, repo: { top, gitDir, index: resolve(cwd, index), head, headTree, branch: shortBranch(symbolic) } };
}

function shortBranch(ref: string): string | null {
  return ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
}

function whyNoRepository(stderr: string): string {
  if (/dubious ownership/.test(stderr)) {
    return "git refuses this repository: dubious ownership (if you trust it: git config --global --add safe.directory <path>)";
  }
  if (/not a git repository/i.test(stderr)) return "not inside a git work tree";
  if (/work tree/.test(stderr)) return "a bare repository has no work tree";
  return `git cannot read this repository: ${firstLine(stderr)}`;
}

/** Records the git state of a run and, for a dirty tree, commits its snapshot. Never throws. */
export function captureGit(options: CaptureOptions): GitCapture {
  const capture: GitCapture = {
    commit: null,
    branch: null,
    head: null,
    dirty: null,
    snapshot_ref: null,
    status: { lines: [], total: 0 },
    skipped: [],
    submodules: [],
  };
  const opened = openRepository(options.cwd, options.env);
  if (typeof opened === "string") return { ...capture, note: opened };
  const { git, repo } = opened;
  Object.assign(capture, { commit: repo.head, branch: repo.branch, head: repo.head });
  try {
    if (!options.snapshot) {
      const status = readStatus(git);
      capture.dirty = status.entries.length > 0;
      capture.status = statusLines(status.entries);
      capture.note = "snapshot disabled (--no-snapshot)";
    } else {
      const snapshot = takeSnapshot(git, repo, options);
      Object.assign(capture, snapshot);
    }
    capture.submodules = readSubmodules(git, repo);
  } catch (error) {
    // The run's exact code is unknown: HEAD would be a guess that checkout then restores as fact.
    capture.commit = null;
    capture.note = `no snapshot: ${error instanceof Error ? error.message : String(error)}`;
  }
  return capture;
}

/** One `git status --porcelain` entry: its two-letter code and path (and the source of a rename). */
interface StatusEntry {
  code: string;
  path: Buffer;
  from?: Buffer;
}

function readStatus(git: Git, index?: string): { entries: StatusEntry[] } {
  const result = git.run(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none"], { index });
  if (result.code !== 0) throw new GitError(`git status failed: ${firstLine(result.stderr)}`);
  return { entries: parseStatus(result.stdout) };
}

export function parseStatus(output: Buffer): StatusEntry[] {
  const entries: StatusEntry[] = [];
  let start = 0;
  const next = () => {
    const end = output.indexOf(0, start);
    if (end < 0) return null;
    const field = output.subarray(start, end);
    start = end + 1;
    return field;
  };
  for (let field = next(); field; field = next()) {
    const code = field.subarray(0, 2).toString();
    const entry: StatusEntry = { code, path: field.subarray(3) };
    if (code[0] === "R" || code[0] === "C") entry.from = next() ?? undefined;
    entries.push(entry);
  }
  return entries;
}

function statusLines(entries: StatusEntry[]): GitCapture["status"] {
  const lines = entries
    .slice(0, STATUS_LINES)
    .map((e) => `${e.code} ${e.from ? `${e.from.toString()} -> ` : ""}${e.path.toString()}`);
  return { lines, total: entries.length };
}

/** The work tree as a tree object, and what `git status` said about it. */
export interface WorkTreeState {
  /** The tree of the work tree, or the tree of HEAD when nothing changed (null before the first commit). */
  tree: string | null;
  entries: StatusEntry[];
  skipped: GitCapture["skipped"];
}

/**
 * Writes the work tree as a tree object: status against a copy of the index, then only the paths
 * it names are hashed into the copy. Untracked files over `maxUntrackedBytes`, nested
 * repositories and the run store are left out, unread.
 */
export function writeWorkTree(git: Git, repo: Repository, options: { name: string; store: string; maxUntrackedBytes: number }): WorkTreeState {
  // Beside the real index, where a split index finds its shared part; removed afterwards.
  const index = join(repo.gitDir, `exprag-${options.name}.index`);
  try {
    copyIndex(repo.index, index);
    clearHidingBits(git, repo, index);
    const { entries } = readStatus(git, index);
    const skipped: GitCapture["skipped"] = [];
    if (entries.length === 0) return { tree: repo.headTree, entries, skipped };
    const storeInside = insideOf(repo.top, options.store);
    const toUpdate: Buffer[] = [];
    const toRemove: Buffer[] = [];
    for (const entry of entries) {
      if (entry.code === "??") {
        const reason = untrackedExclusion(repo.top, entry.path, storeInside, options.maxUntrackedBytes);
        if (reason) skipped.push(reason);
        else toUpdate.push(entry.path);
      } else if (entry.code[1] === "D") {
        // Gone from the work tree; --force-remove also works when a directory became a symlink.
        toRemove.push(entry.path);
      } else if (entry.code[1] !== " " || UNMERGED.has(entry.code)) {
        // Changed in the work tree, or unmerged: take the work tree's version.
        toUpdate.push(entry.path);
      }
    }
    const nulSeparated = (paths: Buffer[]) => Buffer.concat(paths.flatMap((path) => [path, Buffer.from([0])]));
    if (toRemove.length > 0) git.text(["update-index", "--force-remove", "-z", "--stdin"], { index, input: nulSeparated(toRemove) });
    if (toUpdate.length > 0) git.text(["update-index", "--add", "--remove", "-z", "--stdin"], { index, input: nulSeparated(toUpdate) });
    return { tree: git.text(["write-tree"], { index }), entries, skipped };
  } finally {
    rmSync(index, { force: true });
    rmSync(`${index}.lock`, { force: true });
  }
}

/**
 * Entries marked assume-unchanged, or skip-worktree yet present in the work tree, would hide
 * their changes from status: in the copy of the index, they are looked at like any other.
 * (Skip-worktree entries absent from the work tree, as outside a sparse checkout, stay as they are.)
 */
function clearHidingBits(git: Git, repo: Repository, index: string): void {
  if (!indexMayHideChanges(index)) return;
  const listed = git.run(["ls-files", "-v", "-z"], { index });
  if (listed.code !== 0) return;
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
  for (const [flag, tags] of [["--no-assume-unchanged", /[a-z]/], ["--no-skip-worktree", /[Ss]/]] as const) {
    const paths = hidden.filter((entry) => tags.test(entry.tag)).map((entry) => entry.path);
    if (paths.length) git.text(["update-index", flag, "-z", "--stdin"], { index, input: Buffer.concat(paths.flatMap((path) => [path, Buffer.from([0])])) });
  }
}

/**
 * Whether any index entry is marked assume-unchanged or skip-worktree, read from the index file's
 * entry flags (formats 2 to 4), so the usual index costs no extra git call. Unknown formats say yes.
 */
export function indexMayHideChanges(path: string): boolean {
  let index: Buffer;
  try {
    index = readFileSync(path);
  } catch {
    return false; // no index yet
  }
  if (index.length < 12 || index.toString("latin1", 0, 4) !== "DIRC") return true;
  const version = index.readUInt32BE(4);
  if (version < 2 || version > 4) return true;
  const ASSUME_VALID = 0x8000;
  const EXTENDED = 0x4000;
  const SKIP_WORKTREE = 0x4000; // in the extended flags
  let offset = 12;
  for (let entry = index.readUInt32BE(8); entry > 0; entry--) {
    if (offset + 62 > index.length) return true;
    const flags = index.readUInt16BE(offset + 60);
    if (flags & ASSUME_VALID) return true;
    let name = offset + 62;
    if (flags & EXTENDED) {
      if (index.readUInt16BE(name) & SKIP_WORKTREE) return true;
      name += 2;
    }
    if (version === 4) {
      while (index[name]! & 0x80) name++; // the varint of the shared prefix
      const end = index.indexOf(0, name + 1);
      if (end < 0) return true;
      offset = end + 1;
    } else {
      const end = index.indexOf(0, name);
      if (end < 0) return true;
      offset += ((end - offset + 8) & ~7); // entries are NUL-padded to a multiple of 8
    }
  }
  return false;
}

function splitNul(output: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  for (let start = 0, end = output.indexOf(0); end >= 0; start = end + 1, end = output.indexOf(0, start)) fields.push(output.subarray(start, end));
  return fields;
}

const UNMERGED = new Set(["DD", "AU", "UD", "UA", "DU", "AA", "UU"]);

function takeSnapshot(git: Git, repo: Repository, options: CaptureOptions): Partial<GitCapture> {
  const state = writeWorkTree(git, repo, { name: options.runId, store: options.store, maxUntrackedBytes: options.maxUntrackedBytes });
  const result: Partial<GitCapture> = { dirty: state.entries.length > 0, status: statusLines(state.entries), skipped: state.skipped };
  if (state.tree === null || state.tree === (repo.headTree ?? EMPTY_TREE)) return result;
  const commit = git.text(
    ["commit-tree", "--no-gpg-sign", state.tree, ...(repo.head ? ["-p", repo.head] : []), "-m", snapshotMessage(options)],
    { extraEnv: identityEnv() },
  );
  const placed = placeSnapshot(git, options.runId, commit);
  return {
    ...result,
    commit,
    branch: placed.ref.startsWith("refs/heads/") ? placed.ref.slice("refs/heads/".length) : null,
    snapshot_ref: placed.ref,
    ...(placed.note && { note: placed.note }),
  };
}

/** A copy of the index with its timestamps, so git's stat cache stays valid for it. */
function copyIndex(from: string, to: string): void {
  let stat;
  try {
    stat = statSync(from);
  } catch {
    return; // no index yet: git starts an empty one
  }
  copyFileSync(from, to);
  utimesSync(to, stat.atime, stat.mtime);
}

/** Why an untracked file stays out of the snapshot, if it does. `rawPath` is git's bytes: names need not be UTF-8. */
function untrackedExclusion(top: string, rawPath: Buffer, storeInside: string | null, maxBytes: number): GitCapture["skipped"][number] | null {
  const path = rawPath.toString();
  if (path.endsWith("/")) return { path, reason: "nested git repository" };
  if (storeInside !== null && (path === storeInside || path.startsWith(`${storeInside}/`))) return { path, reason: "the run store" };
  let stat;
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

function snapshotMessage(options: CaptureOptions): string {
  return `exprag snapshot of run ${options.runId}\n\nexperiment: ${options.experimentName}\n`;
}

function identityEnv(): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: SNAPSHOT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: SNAPSHOT_IDENTITY.email,
    GIT_COMMITTER_NAME: SNAPSHOT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: SNAPSHOT_IDENTITY.email,
  };
}

/** Creates `refs/heads/run/<id>`; when a branch named `run` makes that impossible, `refs/exprag/run/<id>`. */
function placeSnapshot(git: Git, runId: string, commit: string): { ref: string; note?: string } {
  const ref = `refs/heads/${SNAPSHOT_BRANCH_PREFIX}${runId}`;
  const message = `exprag: snapshot of run ${runId}`;
  const noHooks = ["-c", "core.hooksPath=/dev/null"];
  const first = git.run([...noHooks, "update-ref", "-m", message, ref, commit, ""]);
  if (first.code === 0) return { ref };
  const fallback = `${FALLBACK_REF_PREFIX}${runId}`;
  git.text([...noHooks, "update-ref", "-m", message, fallback, commit, ""]);
  return { ref: fallback, note: `snapshot stored at ${fallback}: ${ref} could not be created (${firstLine(first.stderr)})` };
}

function readSubmodules(git: Git, repo: Repository): GitCapture["submodules"] {
  try {
    statSync(join(repo.top, ".gitmodules"));
  } catch {
    return [];
  }
  const listed = git.run(["config", "-f", ".gitmodules", "--get-regexp", "^submodule\\..*\\.path$"]);
  const paths = listed.stdout
    .toString()
    .split("\n")
    .filter(Boolean)
    .map((line) => line.slice(line.indexOf(" ") + 1));
  return paths.slice(0, MAX_SUBMODULES).map((path) => {
    const dir = join(repo.top, path);
    try {
      statSync(join(dir, ".git"));
    } catch {
      return { path, commit: null, dirty: false }; // not initialised
    }
    const inside = git.at(dir);
    const head = inside.run(["rev-parse", "-q", "--verify", "HEAD"]);
    const status = inside.run(["status", "--porcelain", "--untracked-files=normal"]);
    return { path, commit: head.code === 0 ? head.stdout.toString().trim() : null, dirty: status.code === 0 && status.stdout.length > 0 };
  });
}
