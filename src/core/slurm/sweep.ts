/**
 * `exprag sweep --slurm`: the sweep's code read once (one snapshot), a worktree of it in the store
 * (which the nodes read, as they write their runs there), and one Slurm array job whose task N runs
 * point N with `exprag run`, as a local sweep would. Submitted with `sbatch` by argv; the job script
 * and the sweep's manifest (job id, each point's run id) are kept in `<store>/slurm/`.
 *
 * A point's status comes from its run file once its task started; before that, and for tasks that
 * never start, from Slurm (`squeue`): `pending`, or `cancelled` when it left the queue unstarted.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SlurmConfig } from "../config";
import { EXIT, UserError } from "../errors";
import { selfCommand } from "../os/platform";
import type { GitRecord } from "../record/schema";
import { experimentNameFor } from "../run/experiment-name";
import { handoffVariables, takeHandoff } from "../run/handoff";
import { ensureStore, isExplicitStore } from "../store";
import { sweepCode } from "../sweep/code";
import type { SweepRun } from "../sweep/execute";
import { newSweepId } from "../sweep/plan";
import type { Point } from "../sweep/points";
import { type SweepContext, type SweepRequest, sweepTree } from "../sweep/run-sweep";
import { sweepTag } from "../sweep/summary";
import { jobScript, type ScriptTask, tasksText } from "./job-script";
import { writeQueuedRuns } from "./queued-runs";

export type SlurmSweepRequest = Pick<SweepRequest, "command" | "runs" | "dir" | "metadata" | "defaults" | "includeSecrets" | "runOptions"> & {
  /** sbatch options from --sbatch, one word each. */
  sbatch: string[];
  slurm: SlurmConfig | undefined;
  /** Build the job script and answer it, submitting nothing and reading no code. */
  dryRun: boolean;
};

export interface SlurmSweepManifest {
  sweep_id: string;
  tag: string;
  job_id: string | null;
  script: string;
  runs: { run_id: string; point: Point; command: string[] }[];
}

export interface SlurmSweepResult extends SlurmSweepManifest {
  /** The job script's text. */
  script_text: string;
}

const SBATCH_TIMEOUT_MS = 60_000;

export const slurmDir = (store: string) => join(store, "slurm");
const manifestPath = (store: string, sweepId: string) => join(slurmDir(store), `${sweepId}.json`);

/** The sbatch options the project config gives, before those of --sbatch (which win: sbatch takes the last). */
export function configOptions(config: SlurmConfig | undefined): string[] {
  if (!config) return [];
  return [
    ...(config.partition ? [`--partition=${config.partition}`] : []),
    ...(config.time ? [`--time=${config.time}`] : []),
    ...(config.gpus !== undefined ? [`--gpus-per-task=${config.gpus}`] : []),
    ...(config.extra ?? []),
  ];
}

export async function submitSlurmSweep(request: SlurmSweepRequest, context: SweepContext): Promise<SlurmSweepResult> {
  const { store, cwd, warn } = context;
  const { env } = takeHandoff(context.env);
  const { runs, defaults } = request;
  const sweepId = newSweepId();
  const tag = sweepTag(sweepId);
  for (const run of runs) run.runId ??= Bun.randomUUIDv7();

  let folder = cwd;
  let shared: Record<string, string> = {};
  let git: GitRecord | null = null;
  if (!request.dryRun) {
    // Its job files go inside the store, which must be one (and exist) first.
    ensureStore(store, isExplicitStore(request.dir, env));
    const code = sweepCode(sweepId, request.command, request.includeSecrets, defaults, { cwd, env, store }, warn);
    const tree = await sweepTree(code, { cwd, store, storeExplicit: isExplicitStore(request.dir, env), firstRun: runs[0]!, snapshot: defaults.snapshot }, warn);
    folder = tree?.folder ?? cwd;
    git = code.first.git;
    shared = handoffVariables({ code: tree ? { ...code.first, git: { ...code.first.git, top: tree.top } } : code.first, metadata: request.metadata });
  }

  const optionWords = [`--tag=${tag}`, ...request.runOptions, `--dir=${store}`];
  const job = slurmJob({
    name: `sweep-${sweepId}`,
    store,
    folder,
    variables: shared,
    options: [...configOptions(request.slurm), ...request.sbatch],
    tasks: runs.map((run: SweepRun) => ({
      runArguments: [...optionWords, "--", ...run.command],
      variables: handoffVariables({ runId: run.runId!, params: run.point }),
    })),
  });
  const { script, text } = job;
  const manifest: SlurmSweepManifest = {
    sweep_id: sweepId,
    tag,
    job_id: null,
    script,
    runs: runs.map((run) => ({ run_id: run.runId!, point: run.point, command: run.command })),
  };
  if (request.dryRun) return { ...manifest, script_text: text };

  manifest.job_id = job.submit(env);
  writeFileSync(manifestPath(store, sweepId), `${JSON.stringify(manifest)}\n`);
  writeQueuedRuns({
    store,
    jobId: manifest.job_id,
    experimentName: defaults.name ?? experimentNameFor(request.command),
    git,
    metadata: request.metadata,
    tags: [tag],
    runs: runs.map((run) => ({ runId: run.runId!, point: run.point })),
  });
  return { ...manifest, script_text: text };
}

/**
 * An array job of exprag runs, one task each, named `exprag-<name>`: its sbatch command, its script
 * (kept in `<store>/slurm/<name>.sh`, each task's output beside it), and how to submit it.
 */
export function slurmJob(job: { name: string; store: string; folder: string; variables: Record<string, string>; options: string[]; tasks: ScriptTask[] }) {
  const dir = slurmDir(job.store);
  const script = join(dir, `${job.name}.sh`);
  const tasksFile = join(dir, `${job.name}.tasks`);
  const sbatch = [
    "sbatch",
    "--parsable",
    `--array=0-${job.tasks.length - 1}`,
    `--job-name=exprag-${job.name}`,
    `--chdir=${job.folder}`,
    `--output=${join(dir, `${job.name}-%a.out`)}`,
    ...job.options,
    script,
  ];
  const text = jobScript({ name: job.name, exprag: selfCommand(), folder: job.folder, variables: job.variables, sbatch, tasksFile });
  const tasks = tasksText(job.tasks);
  return {
    script,
    /** The script, then the tasks file after a line naming it. */
    text: `${text}# ---- ${tasksFile}\n${tasks}`,
    /** Writes the script and the tasks file, and submits them; the job id. */
    submit(env: NodeJS.ProcessEnv): string {
      mkdirSync(dir, { recursive: true });
      writeFileSync(tasksFile, tasks, { mode: 0o600 });
      writeFileSync(script, text, { mode: 0o700 });
      return sbatchSubmit(sbatch, job.folder, env);
    },
  };
}

/** Runs sbatch (argv, no shell); the job id it answers. */
export function sbatchSubmit(argv: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  if (!Bun.which("sbatch", { PATH: env.PATH ?? "" }))
    throw new UserError(
      "sbatch is not on PATH: --slurm needs a Slurm client",
      EXIT.usage,
      "run it on a machine that submits Slurm jobs, or sweep without --slurm",
    );
  const result = Bun.spawnSync(argv, { cwd, env, stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: SBATCH_TIMEOUT_MS });
  const id = result.stdout.toString().trim().split(";")[0] ?? "";
  if (result.exitCode !== 0 || !/^\d+$/.test(id)) {
    const why = result.stderr.toString().trim().split("\n").pop() ?? "";
    throw new UserError(`sbatch did not accept the job${why ? `: ${JSON.stringify(why).slice(1, -1)}` : ""}`, EXIT.failure);
  }
  return id;
}

export function readSlurmManifest(store: string, sweepId: string): SlurmSweepManifest | null {
  const file = manifestPath(store, sweepId);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SlurmSweepManifest;
  } catch {
    return null;
  }
}
