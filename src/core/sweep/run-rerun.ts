/**
 * `exprag rerun`, once its flags are read: a recorded run's command again, at its exact code (in
 * a new worktree, or in the work tree when it holds that code), as a new run that names the run
 * it repeats. It runs as a sweep of one, with the terminal.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ProjectConfig } from "../config";
import { EXIT, UserError } from "../errors";
import { type PreparedCode, prepareCode } from "../git/capture";
import { openRepositoryOrFail } from "../git/repository";
import { rerunWorktreeDir } from "../git/worktrees";
import { selfCommand } from "../os/platform";
import type { Warn } from "../query/records";
import { shortId } from "../record/refs";
import { type RunDefaults, type RunOptionFlags, runDefaults } from "../run/defaults";
import { handoffVariables, takeHandoff } from "../run/handoff";
import { assignMeta, buildMetadata, type Metadata } from "../run/metadata";
import { slurmJob } from "../slurm/sweep";
import { executeSweep } from "./execute";
import { codeDifference, commandWithSettings, readRerunSource, rerunParams } from "./rerun";
import { closeRunTree, linkLeftOut, openRunTree } from "./worktree";

export interface RerunRequest {
  run: string;
  /** A new worktree for the code, from the working directory; null is one under the store. */
  worktree: string | null;
  /** Run in the work tree, which must hold the run's code already. */
  here: boolean;
  /** Parameters to change: KEY=VALUE, in the form the command has them. */
  set: string[];
  metaFile: string | undefined;
  meta: string[];
  /** The run options as given; a run option not given takes the project config's value, else exprag's. */
  runFlags: RunOptionFlags & Parameters<typeof runDefaults>[0];
  includeSecrets: boolean;
  /** The `exprag run` options the new run is given (its store and name are added). */
  runOptions: string[];
  /** Submit the run to Slurm (a job of one task) instead of running it here: sbatch's options. */
  slurm?: { options: string[] };
}

export interface RerunContext {
  store: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  config: ProjectConfig | null;
  warn: Warn;
}

export interface RerunEvents {
  /** About to start the new run: the run it repeats, at which commit, and where. */
  starting?(rerun: { of: string; commit: string; runId: string; folder: string }): void;
}

export interface RerunResult {
  /** The run repeated, and the new run. */
  of: string;
  runId: string;
  /** What the new run's command exited with, as `exprag run` exits (0 once Slurm accepted it). */
  exitCode: number;
  /** The Slurm job that will run it. */
  jobId?: string;
}

export async function runRerun(request: RerunRequest, { store, cwd, env: given, config, warn }: RerunContext, events: RerunEvents = {}): Promise<RerunResult> {
  const { env } = takeHandoff(given);
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const source = readRerunSource(git, store, request.run, warn);
  const short = shortId(source.runId);
  if (source.folderNote) warn(`run ${short}: ${source.folderNote}`);
  const command = commandWithSettings(source.argv, request.set);
  const metadata = rerunMetadata(source.metadata, request.metaFile, request.meta);
  const defaults: RunDefaults = runDefaults(request.runFlags, config);
  const runId = Bun.randomUUIDv7();

  const top = request.here ? repo.top : request.worktree === null ? rerunWorktreeDir(store, runId) : resolve(cwd, request.worktree);
  if (request.here) {
    const difference = codeDifference(git, repo, store, source.commit, { maxUntrackedBytes: defaults.snapshotMaxBytes, exclude: defaults.snapshotExclude });
    if (difference !== null) {
      throw new UserError(
        `the work tree does not hold the code of run ${short}: ${difference}`,
        EXIT.failure,
        `rerun it in a new worktree: exprag rerun ${request.run}`,
      );
    }
  }
  const tree = request.here ? null : openRunTree(git, top, source.commit, "rerun");
  let submitted = false;
  let outcome: Awaited<ReturnType<typeof executeSweep>>;
  try {
    let code: PreparedCode | undefined;
    if (!request.here) {
      const prepared = prepareCode({
        cwd: top,
        env,
        runId,
        experimentName: source.experimentName,
        store,
        snapshot: defaults.snapshot,
        maxUntrackedBytes: defaults.snapshotMaxBytes,
        includeSecrets: request.includeSecrets,
        exclude: defaults.snapshotExclude,
      });
      // A snapshot's commit is on no branch of the user's: the new run keeps it on its own run/<id> too.
      code = source.snapshot && prepared.git.commit === source.commit ? { ...prepared, snapshotCommit: source.commit } : prepared;
      // After the code is read, so the links are never part of it.
      if (tree) linkLeftOut(git, repo, tree, store, source.skipped);
    }
    const folder = join(top, source.folder);
    if (!existsSync(folder)) {
      mkdirSync(folder, { recursive: true });
      warn(`run ${short} ran in ${source.folder}, which its code does not hold; created it`);
    }
    events.starting?.({ of: source.runId, commit: source.commit, runId, folder });
    const words = [
      `--dir=${store}`,
      ...(request.runFlags.name === undefined && source.experimentName.trim() ? [`--name=${source.experimentName}`] : []),
      ...request.runOptions,
      "--",
      ...command,
    ];
    const variables = () => handoffVariables({ code, runId, rerunOf: source.runId, metadata, params: rerunParams(source.params, request.set) });
    if (request.slurm) {
      const job = slurmJob({
        name: `rerun-${runId}`,
        store,
        folder,
        variables: variables(),
        options: request.slurm.options,
        tasks: [{ runArguments: words, variables: {} }],
      });
      const jobId = job.submit(env);
      submitted = true;
      return { of: source.runId, runId, exitCode: 0, jobId };
    }
    outcome = await executeSweep({
      runs: [{ index: 0, point: {}, command, runId }],
      jobs: 1,
      devices: null,
      failFast: false,
      cwd: folder,
      env,
      selfCommand: selfCommand(),
      runArguments: () => words,
      runVariables: variables,
      output: { kind: "inherit", stdoutFd: 1 },
      observer: { started() {}, output() {}, ended() {} },
      warn,
    });
  } finally {
    // A submitted run's worktree stays for its job, which starts later; gc removes it with the run.
    if (tree && !submitted) closeRunTree(git, tree, false);
  }
  return { of: source.runId, runId, exitCode: outcome.results[0]?.exitCode ?? EXIT.internal };
}

/** The original run's metadata, then --meta-file's keys, then each --meta. */
function rerunMetadata(original: Metadata, metaFile: string | undefined, assignments: string[]): Metadata {
  const metadata: Metadata = structuredClone(original);
  for (const [key, value] of Object.entries(metaFile ? buildMetadata(metaFile, []) : {})) {
    Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
  }
  for (const assignment of assignments) assignMeta(metadata, assignment);
  return metadata;
}
