/**
 * `exprag sweep`, once its flags are read and its runs planned: the code read once (a snapshot
 * for a dirty tree), a worktree of it for the runs to start in, the runs themselves, and their
 * summary. What happens meanwhile reaches the front end through `SweepEvents`.
 */
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { ProjectConfig } from "../config";
import type { PreparedCode } from "../git/capture";
import { Git } from "../git/repository";
import { rerunWorktreeDir } from "../git/worktrees";
import { platform, selfCommand } from "../os/platform";
import type { OnProgress, Warn } from "../query/records";
import type { RunDefaults } from "../run/defaults";
import { handoffVariables, takeHandoff } from "../run/handoff";
import type { Metadata } from "../run/metadata";
import { resolveExecutable } from "../run/spawn";
import { ensureStore, isExplicitStore } from "../store";
import { type SweepCode, sweepCode } from "./code";
import { executeSweep, type SweepObserver, type SweepRun } from "./execute";
import { newSweepId } from "./plan";
import { type SweepSummary, summarizeSweep, sweepTag } from "./summary";
import { closeRunTree, ignoredPaths, linkLeftOut, openRunTree, type RunTree, unlistedIgnoredWarning } from "./worktree";

export interface SweepRequest {
  /** The command as given, with its placeholders: it names the experiment. */
  command: string[];
  /** The planned runs, each with its point and its command. */
  runs: SweepRun[];
  jobs: number;
  /** One device per slot, or null. */
  devices: string[] | null;
  failFast: boolean;
  /** Run in the work tree itself, not in a worktree of the code read at the start. */
  here: boolean;
  /** The store as `--dir` named it, when it did. */
  dir: string | undefined;
  metadata: Metadata;
  defaults: RunDefaults;
  includeSecrets: boolean;
  /** The `exprag run` options each run is given (its tag and store are added). */
  runOptions: string[];
  /** Where a run's stdout goes while it has the terminal (one run at a time). */
  stdoutFd: 1 | 2;
}

export interface SweepContext {
  store: string;
  cwd: string;
  /** The environment exprag was started with (a hand-off to exprag itself is taken out of it). */
  env: NodeJS.ProcessEnv;
  config?: ProjectConfig | null;
  warn: Warn;
}

export interface SweepEvents {
  /** The sweep has its id; nothing has run yet. */
  started?(sweepId: string): void;
  /** Every git command and how long it took, while the code is read. */
  git?(args: string[], ms: number): void;
  /** Reading the code: its phases, ended before the first run starts. */
  progress?: { phase(label: string): OnProgress; end(): void };
  /** The runs starting, writing (when several run at once) and ending. */
  observer: SweepObserver;
  /** Every run has ended or will not start. */
  runsEnded?(): void;
}

export interface SweepResult {
  sweepId: string;
  tag: string;
  /** What `exprag sweep --json` prints. */
  data: SweepSummary;
  /** The stop signal that ended the sweep early. */
  stoppedBy: string | null;
}

/** Checks that every run's program can be found, and says which keys reach the params only; answers the environment the runs get. */
export function checkSweep(runs: SweepRun[], unusedKeys: string[], { cwd, env: given, warn }: Omit<SweepContext, "store">): NodeJS.ProcessEnv {
  for (const key of unusedKeys) warn(`the command names no {${key}}: its value reaches each run's params only`);
  const { env } = takeHandoff(given);
  for (const program of new Set(runs.map((run) => run.command[0]!))) resolveExecutable(program, env.PATH ?? "", cwd);
  return env;
}

export async function runSweep(request: SweepRequest, context: SweepContext, events: SweepEvents): Promise<SweepResult> {
  const { store, cwd, warn } = context;
  const { env } = takeHandoff(context.env);
  const { runs, defaults } = request;
  const sweepId = newSweepId();
  const tag = sweepTag(sweepId);
  events.started?.(sweepId);

  let code: SweepCode;
  Git.observer = events.git ?? null;
  try {
    code = sweepCode(sweepId, request.command, request.includeSecrets, defaults, { cwd, env, store }, warn, events.progress?.phase("files in the snapshot"));
  } finally {
    events.progress?.end();
    Git.observer = null;
  }
  const tree = request.here
    ? null
    : await sweepTree(code, { cwd, store, storeExplicit: isExplicitStore(request.dir, env), firstRun: runs[0]!, snapshot: defaults.snapshot }, warn);
  // In the worktree, the code is the one read at the start, whatever happens to the work tree; its
  // record names the worktree as the top it ran in.
  const codeFor = (number: number): PreparedCode => (tree ? { ...code.first, git: { ...code.first.git, top: tree.top } } : code.forRun(number));

  const optionWords = [`--tag=${tag}`, ...request.runOptions, ...(request.dir === undefined && !tree ? [] : [`--dir=${store}`])];
  let outcome: Awaited<ReturnType<typeof executeSweep>>;
  try {
    outcome = await executeSweep({
      runs,
      jobs: request.jobs,
      devices: request.devices,
      failFast: request.failFast,
      cwd: tree?.folder ?? cwd,
      env,
      selfCommand: selfCommand(),
      runArguments: (run) => [...optionWords, "--", ...run.command],
      runVariables: (run, runId) => handoffVariables({ code: codeFor(run.index + 1), runId, params: run.point, metadata: request.metadata }),
      output: request.jobs > 1 ? { kind: "observe" } : { kind: "inherit", stdoutFd: request.stdoutFd },
      observer: events.observer,
      warn,
    });
  } finally {
    events.runsEnded?.();
    if (tree) {
      const left = closeRunTree(tree.git, tree, true);
      if (left.length)
        warn(
          `the runs left files in the sweep's worktree, kept at ${tree.top} until exprag gc finds its runs gone: ${left.slice(0, 5).join(", ")}${left.length > 5 ? ", ..." : ""}`,
        );
    }
  }
  return { sweepId, tag, data: summarizeSweep(store, sweepId, outcome.results, warn), stoppedBy: outcome.stoppedBy };
}

/**
 * The worktree the sweep's runs start in, or null where they run in the work tree itself: outside
 * git, without a snapshot (the dirty files are the code), when the code is unknown, on Windows
 * (no links without privileges).
 */
export async function sweepTree(
  code: SweepCode,
  options: { cwd: string; store: string; storeExplicit: boolean; firstRun: SweepRun; snapshot: boolean },
  warn: Warn,
): Promise<(RunTree & { git: Git; folder: string }) | null> {
  const commit = code.first.git.commit;
  if (!options.snapshot || commit === null || platform.name === "win32") return null;
  const opened = code.repository;
  if (typeof opened === "string") return null;
  const { git, repo } = opened;
  options.firstRun.runId ??= Bun.randomUUIDv7();
  try {
    // The worktree goes inside the store, which must be one (and exist) first.
    ensureStore(options.store, options.storeExplicit);
    const ignored = ignoredPaths(git, repo);
    const tree = openRunTree(git, rerunWorktreeDir(options.store, options.firstRun.runId), commit, "sweep");
    const { paths, failure } = await ignored;
    if (failure !== undefined) warn(unlistedIgnoredWarning(failure));
    linkLeftOut(repo, tree, options.store, code.first.git.skipped, paths);
    const folder = join(tree.top, relative(repo.top, options.cwd));
    mkdirSync(folder, { recursive: true });
    return { ...tree, git, folder };
  } catch (error) {
    warn(`cannot make the sweep's worktree (${error instanceof Error ? error.message : String(error)}): running in the work tree`);
    return null;
  }
}
