/**
 * The code a run starts from. A clean work tree is HEAD; a dirty one is committed whole (changes,
 * deletions, untracked files that .gitignore does not exclude) onto `refs/heads/run/<run_id>`,
 * without touching HEAD, the index, the work tree, the stash or any other ref. One scan of the
 * work tree (work-tree.ts) serves both the record and the snapshot.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import type { GitRecord } from "../record/schema";
import { createBranchFile } from "./branch-file";
import { snapshotIdentityEnv, snapshotStamp, writeSnapshotCommit } from "./commit-object";
import { endEarlyStatus } from "./early-status";
import { emptyGitRecord } from "./empty-record";
import { commonFolder } from "./loose-objects";
import { ownWritesKnown } from "./own-writes";
import { FALLBACK_REF_PREFIX, snapshotBranchRef } from "./ref-names";
import { firstLine, Git, type GitResult, type OpenGit, openRepository, type Repository } from "./repository";
import { snapshotTrailers } from "./snapshot-refs";
import { readCodeStatus, type StatusEntry } from "./status";
import { EMPTY_TREE } from "./tree-object";
import { type WorkTreeOptions, type WorkTreeState, writeWorkTree, writeWorkTreeWhile } from "./work-tree";
import { findWorkTreeTop } from "./work-tree-top";

export interface CaptureOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  runId: string;
  experimentName: string;
  /** The run store; never part of a snapshot. */
  store: string;
  snapshot: boolean;
  /** Why no snapshot is taken, when `snapshot` is false (default: --no-snapshot). */
  snapshotReason?: string;
  /** Untracked files larger than this are left out before git reads them. */
  maxUntrackedBytes: number;
  /** Also take untracked files that look like secrets. */
  includeSecrets?: boolean;
  /** Globs of untracked files to leave out (`snapshot-exclude` in the project config). */
  exclude?: string[];
  /** What is not the experiment's code (`not-code` in the project config; default: the coding agents' folders). */
  notCode?: string[];
  /** Told how far a snapshot got, for a progress line. */
  progress?: (done: number, total: number) => void;
}

export const STATUS_LINES = 100;
const MAX_SUBMODULES = 50;

/**
 * The code a run (or a sweep of runs) starts from, read once: the git record, and for a dirty
 * tree the snapshot commit, not yet on any ref. `placeCode` then gives each run its own ref.
 */
export interface PreparedCode {
  git: GitRecord;
  /** The snapshot commit to put on each run's `run/<id>`, when the tree was dirty. */
  snapshotCommit: string | null;
}

type Opened = ReturnType<typeof openRepository>;

/** Records the git state of a run and, for a dirty tree, commits its snapshot. Never throws. */
export function captureGit(options: CaptureOptions): GitRecord {
  // The repository is found once for both steps: finding it is a git process of its own.
  const opened = openRepository(options.cwd, options.env);
  return placeIn(opened, prepareIn(opened, options), options.runId);
}

/**
 * `captureGit`, with `meanwhile` told the work tree's top and run while git reads the work tree
 * (where there is one): the caller's own work done on the other core instead of after.
 */
export async function captureGitWhile(options: CaptureOptions, meanwhile: (top: string) => void): Promise<GitRecord> {
  const opened = openRepository(options.cwd, options.env);
  if (typeof opened === "string" || !options.snapshot) endEarlyStatus();
  if (typeof opened === "string") return placeIn(opened, prepareIn(opened, options), options.runId);
  // The caller's work failing is the caller's to hear, after the capture: it costs no snapshot.
  const failures: unknown[] = [];
  const work = () => {
    try {
      meanwhile(opened.repo.top);
    } catch (error) {
      failures.push(error);
    }
  };
  let state: WorkTreeState | Error | undefined;
  // Where the branch cannot be written in process, its git process is started as soon as the tree
  // turns out dirty: its start-up goes on while the tree is made.
  const placing: { ref?: OpenGit } = {};
  if (!options.snapshot) work();
  else {
    try {
      const changed = () => {
        if (!ownWritesKnown(opened.git, opened.repo)?.refs) placing.ref ??= startPlacing(opened.git, options.runId);
      };
      state = await writeWorkTreeWhile(opened.git, opened.repo, { ...workTreeOptions(options), changed }, work);
    } catch (error) {
      state = error instanceof Error ? error : new Error(String(error));
    }
  }
  const prepared = prepareIn(opened, options, state);
  const record = placing.ref ? await placeStarted(opened, prepared, options.runId, placing.ref) : placeIn(opened, prepared, options.runId);
  if (failures.length) throw failures[0];
  return record;
}

/**
 * Reads the git state and, for a dirty tree, commits the snapshot (on no ref yet). Never throws.
 * `opened`: the repository as the caller already found it (finding it is a git process of its own).
 */
export function prepareCode(options: CaptureOptions & { label?: string }, opened: Opened = openRepository(options.cwd, options.env)): PreparedCode {
  return prepareIn(opened, options);
}

/** `read`: the work tree as already read for the snapshot (or why it could not be), else it is read here. */
function prepareIn(opened: Opened, options: CaptureOptions & { label?: string }, read?: WorkTreeState | Error): PreparedCode {
  if (typeof opened === "string") return { git: emptyGitRecord(opened), snapshotCommit: null };
  const capture = emptyGitRecord();
  const { git, repo } = opened;
  Object.assign(capture, { commit: repo.head, tree: repo.headTree, branch: repo.branch, head: repo.head, top: repo.top });
  let snapshotCommit: string | null = null;
  try {
    if (!options.snapshot) {
      const status = readCodeStatus(git, options.notCode);
      capture.dirty = status.entries.length > 0;
      if (capture.dirty) capture.tree = null; // the code is not HEAD's, and no snapshot says what it was
      capture.status = statusLines(status.entries);
      capture.note = options.snapshotReason ? `no snapshot: ${options.snapshotReason}` : "snapshot disabled (--no-snapshot)";
    } else {
      const snapshot = takeSnapshot(git, repo, options, read);
      Object.assign(capture, snapshot.record);
      snapshotCommit = snapshot.commit;
    }
    capture.submodules = readSubmodules(git, repo);
  } catch (error) {
    // The run's exact code is unknown: HEAD would be a guess that checkout then restores as fact.
    capture.commit = null;
    capture.tree = null;
    capture.note = `no snapshot: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { git: capture, snapshotCommit };
}

/**
 * The git record of one run of prepared code: its snapshot commit placed on `run/<run_id>`. Never
 * throws. The ref is made from `cwd` at once, with no rev-parse first (a sweep's run, a Slurm
 * task's, adds one git process, update-ref); where that fails, finding the repository says why.
 */
export function placeCode(prepared: PreparedCode, runId: string, cwd: string, env: NodeJS.ProcessEnv): GitRecord {
  if (prepared.snapshotCommit === null) return prepared.git;
  if (env.GIT_DIR || findWorkTreeTop(cwd, env)) {
    try {
      return placedRecord(prepared, placeSnapshot(new Git(cwd, env), runId, prepared.snapshotCommit));
    } catch {}
  }
  return placeIn(openRepository(cwd, env), prepared, runId);
}

/** `tried`: update-ref's answer for the snapshot's branch, where it was asked already (placeStarted). */
function placeIn(opened: Opened, prepared: PreparedCode, runId: string, tried?: GitResult): GitRecord {
  if (prepared.snapshotCommit === null) return prepared.git;
  try {
    if (typeof opened === "string") throw new Error(opened);
    return placedRecord(prepared, placeSnapshot(opened.git, runId, prepared.snapshotCommit, tried, opened.repo));
  } catch (error) {
    return { ...prepared.git, commit: null, tree: null, note: `no snapshot: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function placedRecord(prepared: PreparedCode, placed: { ref: string; note?: string }): GitRecord {
  return {
    ...prepared.git,
    branch: placed.ref.startsWith("refs/heads/") ? placed.ref.slice("refs/heads/".length) : null,
    snapshot_ref: placed.ref,
    ...(placed.note && { note: placed.note }),
  };
}

function statusLines(entries: StatusEntry[]): GitRecord["status"] {
  const lines = entries.slice(0, STATUS_LINES).map((e) => `${e.code} ${e.from ? `${e.from.toString()} -> ` : ""}${e.path.toString()}`);
  return { lines, total: entries.length };
}

function takeSnapshot(
  git: Git,
  repo: Repository,
  options: CaptureOptions & { label?: string },
  read?: WorkTreeState | Error,
): { record: Partial<GitRecord>; commit: string | null } {
  if (read instanceof Error) throw read;
  const state = read ?? writeWorkTree(git, repo, workTreeOptions(options));
  const record: Partial<GitRecord> = { dirty: state.entries.length > 0, tree: state.tree, status: statusLines(state.entries), skipped: state.skipped };
  if (state.tree === null || state.tree === (repo.headTree ?? EMPTY_TREE)) return { record, commit: null };
  const commit = writeSnapshotCommit(git, repo, state.tree, snapshotMessage(options));
  return { record: { ...record, commit }, commit };
}

function workTreeOptions(options: CaptureOptions): WorkTreeOptions {
  return {
    name: options.runId,
    store: options.store,
    maxUntrackedBytes: options.maxUntrackedBytes,
    includeSecrets: options.includeSecrets,
    exclude: options.exclude,
    notCode: options.notCode,
    progress: options.progress,
  };
}

/** The commit message; its trailers name the store that holds the run and the process making it, for gc. */
function snapshotMessage(options: CaptureOptions & { label?: string }): string {
  return `exprag snapshot of ${options.label ?? `run ${options.runId}`}\n\nexperiment: ${options.experimentName}\n\n${snapshotTrailers(options.store)}`;
}

/**
 * Creates `refs/heads/run/<id>` (in process where `repo` is given and git would write it as this
 * does); when a branch named `run` makes that impossible, `refs/exprag/run/<id>`. `tried`:
 * update-ref's answer for the first, where it was asked already.
 */
function placeSnapshot(git: Git, runId: string, commit: string, tried?: GitResult, repo?: Repository): { ref: string; note?: string } {
  const ref = snapshotBranchRef(runId);
  if (tried === undefined && repo !== undefined && branchWritten(git, repo, ref, commit, refMessage(runId))) return { ref };
  const first = tried ?? git.run(["update-ref", "-m", refMessage(runId), ref, commit, ""], { extraEnv: snapshotIdentityEnv() });
  if (first.code === 0) return { ref };
  const fallback = `${FALLBACK_REF_PREFIX}${runId}`;
  git.text(["update-ref", "-m", refMessage(runId), fallback, commit, ""], { extraEnv: snapshotIdentityEnv() });
  return { ref: fallback, note: `snapshot stored at ${fallback}: ${ref} could not be created (${firstLine(first.stderr) || `exit ${first.code}`})` };
}

const refMessage = (runId: string) => `exprag: snapshot of run ${runId}`;

/** Whether branch `ref` was written in process: where git's config leaves that as git would do it, and its time is this process's. */
function branchWritten(git: Git, repo: Repository, ref: string, commit: string, message: string): boolean {
  const common = commonFolder(repo, git.env);
  if (common === null || !ownWritesKnown(git, repo)?.refs) return false;
  const stamp = snapshotStamp(git.env);
  return stamp !== null && createBranchFile(common, ref, commit, stamp, message);
}

/** update-ref, started before the snapshot's commit is known, to create its branch once told (placeStarted). */
function startPlacing(git: Git, runId: string): OpenGit {
  return git.open(["update-ref", "-m", refMessage(runId), "--stdin"], { extraEnv: snapshotIdentityEnv() });
}

/** The record, the snapshot's branch created by the update-ref `placing`; with no commit to place, it is told nothing. */
async function placeStarted(opened: Opened, prepared: PreparedCode, runId: string, placing: OpenGit): Promise<GitRecord> {
  if (prepared.snapshotCommit !== null) placing.send(`create ${snapshotBranchRef(runId)} ${prepared.snapshotCommit}\n`);
  placing.end();
  const answer = await placing.result;
  return placeIn(opened, prepared, runId, answer);
}

function readSubmodules(git: Git, repo: Repository): GitRecord["submodules"] {
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
