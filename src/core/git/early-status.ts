/**
 * The `git status` of a run's snapshot, started as exprag starts: status is the snapshot's longest
 * step, and what comes before it (loading the run's code, reading its options and config, making
 * the store, finding the repository) then happens beside it. It is started for a guess (the work
 * tree's top holding a `.git` folder, that folder's index, this environment) and reads the index
 * itself, writing nothing. The snapshot takes its answer only where the repository git finds and
 * the run's environment are those, and the index and HEAD are still the ones status read;
 * otherwise the snapshot reads its own, and a status never taken is ended.
 */
import { realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Git, type Repository } from "./repository";
import { type StatusEntry, startStatusWithHead } from "./status";
import { findWorkTreeTop } from "./work-tree-top";

interface Started {
  top: string;
  gitDir: string;
  env: NodeJS.ProcessEnv;
  /** The index file as it was when status started (indexState). */
  index: string;
  status: Promise<{ entries: StatusEntry[]; head: string | null }>;
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
const GIT_NEVER_READS = /^(PYTHONPATH$|EXPRAG_)/;

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
    const index = indexState(join(gitDir, "index"));
    const abort = new AbortController();
    const status = startStatusWithHead(new Git(top, env), abort.signal);
    const settled = status.then(
      () => {},
      () => {}, // one never taken is never awaited
    );
    started = { top, gitDir, env: { ...env }, index, status, abort };
    return settled;
  } catch {
    return null; // no guess to make: the snapshot reads its own status
  }
}

/** Whether the run's options, before its command, leave the snapshot on. */
function snapshotAsked(args: string[]): boolean {
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  return !options.some((word) => word === "--no-snapshot" || word.startsWith("--snapshot=") || word === "--help" || word === "-h");
}

/** The early status's answer: its entries, and whether the index is still the one it read. */
export interface EarlyStatus {
  entries: StatusEntry[];
  sameIndex: () => boolean;
}

/**
 * The early status's entries, for the snapshot of `repo` run with `env`: null at once where it was
 * started for another repository or environment, or the index changed since (it is ended then);
 * else answered when git is done, null where status read another index or HEAD than the snapshot's
 * or failed. Taken once.
 */
export function takeEarlyStatus(repo: Repository, env: NodeJS.ProcessEnv): Promise<EarlyStatus | null> | null {
  const early = started;
  if (early === null) return null;
  started = null;
  const index = join(early.gitDir, "index");
  const same = resolve(repo.top) === early.top && resolve(repo.gitDir) === early.gitDir && sameForGit(env, early.env) && indexState(index) === early.index;
  if (!same) {
    early.abort.abort();
    return null;
  }
  return early.status.then(
    (read) => {
      const sameIndex = () => indexState(index) === early.index;
      return read.head === repo.head && sameIndex() ? { entries: read.entries, sameIndex } : null;
    },
    () => null,
  );
}

/** Ends the early status, if one is still untaken: the run takes no snapshot, or is over. */
export function endEarlyStatus(): void {
  started?.abort.abort();
  started = null;
}

/** What tells one index file from another written later: a write replaces the file (a new inode) or changes its times. */
function indexState(path: string): string {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
  } catch {
    return "absent";
  }
}

function sameForGit(a: NodeJS.ProcessEnv, b: NodeJS.ProcessEnv): boolean {
  const keys = (env: NodeJS.ProcessEnv) => Object.keys(env).filter((key) => !GIT_NEVER_READS.test(key) && env[key] !== undefined);
  const [inA, inB] = [keys(a), keys(b)];
  return inA.length === inB.length && inA.every((key) => a[key] === b[key]);
}
