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
import { filesOfCommit } from "../git/restore";
import { rerunWorktreeDir } from "../git/worktrees";
import { replicateSettings, seedParamsOf, seedsInUse } from "../loop/replicates";
import { selfCommand } from "../os/platform";
import { restoreOutputs } from "../query/outputs";
import type { Warn } from "../query/records";
import { shortId } from "../record/refs";
import { type RunDefaults, type RunOptionFlags, runDefaults } from "../run/defaults";
import { experimentNameFor } from "../run/experiment-name";
import { handoffVariables, takeHandoff } from "../run/handoff";
import { assignMeta, buildMetadata, type Metadata } from "../run/metadata";
import { writeQueuedRuns } from "../slurm/queued-runs";
import { slurmJob } from "../slurm/sweep";
import { refuseLinkedStore } from "../store";
import { executeSweep, type SweepRun } from "./execute";
import { codeDifference, commandWithSettings, confirmForeignCommand, readRerunSource, rerunParams } from "./rerun";
import { closeRunTree, ignoredPaths, linkLeftOut, makeRoomFor, openRunTree, unlistedIgnoredWarning } from "./worktree";

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
  /** A command recorded on another host, or pulled, may run (at a terminal, or with --yes). */
  confirmed: boolean;
  /** The `exprag run` options the new run is given (its store and name are added). */
  runOptions: string[];
  /** First bring back the outputs the run kept (run --keep-outputs): a checkpoint to resume from. */
  restoreOutputs?: boolean;
  /** Make this many replicates, one after another, varying the seed param (see loop/replicates.ts); null: one rerun. */
  seeds: number | null;
  /** Submit the run (or the replicates) to Slurm, one task each, instead of running here: sbatch's options. */
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
  starting?(rerun: { of: string; commit: string; runId: string; runIds: string[]; folder: string }): void;
}

export interface RerunResult {
  /** The run repeated, and the new run (the first of the replicates). */
  of: string;
  runId: string;
  /** Every new run: the one rerun, or the replicates. */
  runIds: string[];
  /** The tag the replicates share; null for one rerun. */
  replicatesTag: string | null;
  /** What the new run's command exited with, as `exprag run` exits (0 once Slurm accepted it). */
  exitCode: number;
  /** The Slurm job that will run it. */
  jobId?: string;
}

export async function runRerun(request: RerunRequest, { store, cwd, env: given, config, warn }: RerunContext, events: RerunEvents = {}): Promise<RerunResult> {
  const { env } = takeHandoff(given);
  // Its run is written where this store leads: never a found one that is a link (see ensureStore).
  refuseLinkedStore(store);
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const source = readRerunSource(git, store, request.run, warn);
  const short = shortId(source.runId);
  confirmForeignCommand(source, request.confirmed, warn);
  if (source.folderNote) warn(`run ${short}: ${source.folderNote}`);
  const metadata = rerunMetadata(source.metadata, request.metaFile, request.meta);
  const defaults: RunDefaults = runDefaults(request.runFlags, config);
  const seedParams = seedParamsOf(config);
  const replicates = request.seeds === null ? null : replicateSettings(source.params, seedParams, request.seeds, seedsInUse(store, source.runId, seedParams));
  const settings = replicates ? replicates.map((seed) => [...request.set, ...seed]) : [request.set];
  const runs = settings.map((set, index) => ({ index, point: {}, command: commandWithSettings(source.argv, set), runId: Bun.randomUUIDv7() }));
  const runId = runs[0]!.runId;
  const replicatesTag = replicates ? `replicates:${short}` : null;

  const top = request.here ? repo.top : request.worktree === null ? rerunWorktreeDir(store, runId) : resolve(cwd, request.worktree);
  if (request.here) {
    const difference = codeDifference(git, repo, store, source.commit, {
      maxUntrackedBytes: defaults.snapshotMaxBytes,
      exclude: defaults.snapshotExclude,
      notCode: defaults.notCode,
    });
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
        notCode: defaults.notCode,
      });
      // A snapshot's commit is on no branch of the user's: the new run keeps it on its own run/<id> too.
      code = source.snapshot && prepared.git.commit === source.commit ? { ...prepared, snapshotCommit: source.commit } : prepared;
      // After the code is read, so the links are never part of it.
      if (tree) {
        const { paths, failure } = await ignoredPaths(git, repo);
        if (failure !== undefined) warn(unlistedIgnoredWarning(failure));
        linkLeftOut(repo, tree, store, source.skipped, paths);
      }
    }
    // In place, another version of one (not a file of the code, which git holds) stops the rerun
    // before anything is copied. In a worktree, never through a link into the work tree: a linked
    // folder on its way is unfolded into links to its entries, the kept copy beside them.
    if (request.restoreOutputs) {
      const codeFiles = request.here ? new Set(filesOfCommit(git, source.commit)) : undefined;
      restoreOutputs(store, source.runId, top, !request.here, warn, codeFiles, tree ? (path) => makeRoomFor(repo, tree, path) : undefined);
    }
    const folder = join(top, source.folder);
    if (!existsSync(folder)) {
      mkdirSync(folder, { recursive: true });
      warn(`run ${short} ran in ${source.folder}, which its code does not hold; created it`);
    }
    events.starting?.({ of: source.runId, commit: source.commit, runId, runIds: runs.map((run) => run.runId), folder });
    const words = (run: SweepRun) => [
      `--dir=${store}`,
      ...(request.runFlags.name === undefined && source.experimentName.trim() ? [`--name=${source.experimentName}`] : []),
      ...(replicatesTag ? [`--tag=${replicatesTag}`] : []),
      ...request.runOptions,
      "--",
      ...run.command,
    ];
    const params = (run: SweepRun) => rerunParams(source.params, settings[run.index]!);
    if (request.slurm) {
      const job = slurmJob({
        name: `rerun-${runId}`,
        store,
        folder,
        variables: handoffVariables({ code, rerunOf: source.runId, metadata }),
        options: request.slurm.options,
        tasks: runs.map((run) => ({ runArguments: words(run), variables: handoffVariables({ runId: run.runId, params: params(run) }) })),
      });
      const jobId = job.submit(env);
      submitted = true;
      // In the store from submit on, as a Slurm sweep's points are: `ls` shows them pending.
      writeQueuedRuns({
        store,
        jobId,
        experimentName:
          request.runFlags.name ?? (source.experimentName.trim() ? source.experimentName : (defaults.name ?? experimentNameFor(runs[0]!.command))),
        git: code?.git ?? null,
        metadata,
        tags: replicatesTag ? [replicatesTag] : [],
        runs: runs.map((run) => ({ runId: run.runId, point: params(run) })),
        rerunOf: source.runId,
      });
      return { of: source.runId, runId, runIds: runs.map((run) => run.runId), replicatesTag, exitCode: 0, jobId };
    }
    outcome = await executeSweep({
      runs,
      jobs: 1,
      devices: null,
      failFast: false,
      cwd: folder,
      env,
      selfCommand: selfCommand(),
      runArguments: words,
      runVariables: (run, id) => handoffVariables({ code, runId: id, rerunOf: source.runId, metadata, params: params(run) }),
      output: { kind: "inherit", stdoutFd: 1 },
      observer: { started() {}, output() {}, ended() {} },
      warn,
    });
  } finally {
    // A submitted run's worktree stays for its job, which starts later; gc removes it with the run.
    if (tree && !submitted) closeRunTree(git, tree, false);
  }
  // Replicates end as their first failure did, else as they all did.
  const exitCode = outcome.results.find((result) => result.exitCode !== 0)?.exitCode ?? outcome.results[0]?.exitCode ?? EXIT.internal;
  return { of: source.runId, runId, runIds: runs.map((run) => run.runId), replicatesTag, exitCode };
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
