/**
 * The `git status` of a run's snapshot, started as exprag starts: status is the snapshot's longest
 * step, and what comes before it (loading the run's code, reading its options and config, making
 * the store, finding the repository) then happens beside it. It is started for a guess of what the
 * snapshot will ask (the work tree's top holding a `.git` folder, that folder's index, this
 * environment) and taken only where the repository git finds and the run's environment are those;
 * otherwise, and when the run takes no snapshot, it is ended and its copy of the index removed.
 */
import { realpathSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { copyIndexInto, type IndexCopy } from "./index-copy";
import { Git, type Repository } from "./repository";
import { type StatusEntry, startStatus } from "./status";
import { findWorkTreeTop } from "./work-tree-top";

export interface EarlyStatus {
  /** The copy of the index status reads; its taker removes it. */
  copy: IndexCopy;
  status: Promise<{ entries: StatusEntry[] }>;
}

interface Started extends EarlyStatus {
  top: string;
  gitDir: string;
  env: NodeJS.ProcessEnv;
  abort: AbortController;
}

let started: Started | null = null;

/** git's variables that can place the repository, its index or its objects other than at a `.git` folder of the top. */
const PLACING = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_COMMON_DIR",
  "GIT_OBJECT_DIRECTORY",
  "GIT_CEILING_DIRECTORIES",
  "GIT_DISCOVERY_ACROSS_FILESYSTEM",
];

/** Variables a run sets for its command that git never reads: a run differing from exprag's only in these still takes the status. */
const NOT_GIT_S = /^(PYTHONPATH$|EXPRAG_)/;

/**
 * Starts the status for `exprag run ARGS`, where that run will most likely take a snapshot: not
 * with --no-snapshot or --help, nor for a sweep's or rerun's run (their code is read already).
 * Answers when git is done with the status started, if one was.
 */
export function startEarlyStatus(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<void> | null {
  if (started || !snapshotAsked(args) || env.EXPRAG_PREPARED_CODE !== undefined || PLACING.some((name) => env[name] !== undefined)) return null;
  try {
    const found = findWorkTreeTop(cwd ?? process.cwd(), env);
    if (found === null) return null;
    const top = realpathSync(found);
    const gitDir = join(top, ".git");
    if (!statSync(gitDir).isDirectory()) return null; // a linked worktree or a submodule: its git directory is elsewhere
    const copy = copyIndexInto(gitDir, join(gitDir, "index"), "status");
    const abort = new AbortController();
    const status = startStatus(new Git(top, env), copy.index, abort.signal);
    const settled = status.then(
      () => {},
      () => {}, // one never taken is never awaited
    );
    started = { top, gitDir, env: { ...env }, copy, status, abort };
    return settled;
  } catch {
    return null; // no guess to make: the snapshot starts its own status
  }
}

/** Whether the run's options, before its command, leave the snapshot on. */
function snapshotAsked(args: string[]): boolean {
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  return !options.some((word) => word === "--no-snapshot" || word.startsWith("--snapshot=") || word === "--help" || word === "-h");
}

/**
 * The early status, where it was started for `repo` and for `env` as far as git reads it; else null
 * (and it is ended). Taken once: the taker removes its copy of the index.
 */
export function takeEarlyStatus(repo: Repository, env: NodeJS.ProcessEnv): EarlyStatus | null {
  const early = started;
  if (early === null) return null;
  started = null;
  if (repo.top === early.top && repo.gitDir === early.gitDir && isIndexOf(repo.index, early.gitDir) && sameForGit(env, early.env)) return early;
  end(early);
  return null;
}

/** Ends the early status, if one is still untaken: the run takes no snapshot, or is over. */
export function endEarlyStatus(): void {
  const early = started;
  started = null;
  if (early) end(early);
}

function end(early: Started): void {
  early.abort.abort();
  try {
    early.copy.remove();
  } catch {
    // a file still open cannot go on every system; gc removes copies whose owner is gone
  }
}

/** Whether `index` (as rev-parse names it, relative to where it ran) is the `index` file of `gitDir`. */
function isIndexOf(index: string, gitDir: string): boolean {
  if (index === join(gitDir, "index")) return true;
  try {
    return basename(index) === "index" && realpathSync(dirname(index)) === gitDir;
  } catch {
    return false;
  }
}

function sameForGit(a: NodeJS.ProcessEnv, b: NodeJS.ProcessEnv): boolean {
  const keys = (env: NodeJS.ProcessEnv) => Object.keys(env).filter((key) => !NOT_GIT_S.test(key) && env[key] !== undefined);
  const [inA, inB] = [keys(a), keys(b)];
  return inA.length === inB.length && inA.every((key) => a[key] === b[key]);
}
