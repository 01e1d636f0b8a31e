/**
 * Where a Slurm sweep stands: each point's run, read from its run file once its task started;
 * before that, from the queue: `pending` while Slurm has not started it, `cancelled` when it left
 * the queue without starting (scancel of a pending task), else `not recorded`.
 */
import { existsSync } from "node:fs";
import type { Warn } from "../query/records";
import type { SchedulerEndStatus } from "../record/schema";
import { runFilePath } from "../store";
import { type SweepSummary, summarizeSweep } from "../sweep/summary";
import { parseScontrolJob, statusOfJobState } from "./job-state";
import type { SlurmSweepManifest } from "./sweep";

const ASK_TIMEOUT_MS = 10_000;

/** The array's tasks still in the queue: task index to state (PENDING, RUNNING, ...). */
export function queuedTasks(jobId: string, env: NodeJS.ProcessEnv): Map<number, string> | null {
  const result = Bun.spawnSync(["squeue", "-h", "-r", "-j", jobId, "-o", "%K %T"], { env, stdout: "pipe", stderr: "ignore", timeout: ASK_TIMEOUT_MS });
  if (result.exitCode !== 0) return null;
  const tasks = new Map<number, string>();
  for (const line of result.stdout.toString().split("\n")) {
    const [task, state] = line.trim().split(/\s+/);
    if (task && state && /^\d+$/.test(task)) tasks.set(Number(task), state);
  }
  return tasks;
}

/** Why task `index` of the array left the queue without a run, when Slurm still knows it. */
function unstartedStatus(jobId: string, index: number, env: NodeJS.ProcessEnv): SchedulerEndStatus | null {
  const result = Bun.spawnSync(["scontrol", "show", "job", "-o", `${jobId}_${index}`], { env, stdout: "pipe", stderr: "ignore", timeout: ASK_TIMEOUT_MS });
  const job = result.exitCode === 0 ? parseScontrolJob(result.stdout.toString()) : null;
  return job ? statusOfJobState(job.state) : null;
}

export interface SlurmSweepStatus {
  summary: SweepSummary;
  /** Points whose run has ended or that will never start. */
  ended: number;
}

export function slurmSweepStatus(store: string, manifest: SlurmSweepManifest, env: NodeJS.ProcessEnv, warn: Warn): SlurmSweepStatus {
  const { runs } = manifest;
  const queue = manifest.job_id ? queuedTasks(manifest.job_id, env) : null;
  const summary = summarizeSweep(
    store,
    manifest.sweep_id,
    runs.map((run, index) => ({ run: { index, point: run.point, command: run.command, runId: run.run_id }, runId: run.run_id, device: null, exitCode: null })),
    warn,
  );
  let ended = 0;
  summary.runs.forEach((point, index) => {
    const runId = runs[index]!.run_id;
    const queued = queue?.get(index);
    if (existsSync(runFilePath(store, runId))) {
      if (point.status !== "running" && point.status !== "not recorded") ended++;
      return;
    }
    if (queued !== undefined) {
      point.status = queued === "PENDING" ? "pending" : "not recorded";
      return;
    }
    if (queue === null) return;
    ended++;
    point.status = (manifest.job_id ? unstartedStatus(manifest.job_id, index, env) : null) ?? "not recorded";
  });
  return { summary, ended };
}

/** Polls the sweep until every point's run ended or will never start; `progress` hears each change. */
export async function waitForSlurmSweep(
  store: string,
  manifest: SlurmSweepManifest,
  env: NodeJS.ProcessEnv,
  warn: Warn,
  progress: (ended: number, total: number) => void,
  intervalMs = 1000,
): Promise<SweepSummary> {
  let last = -1;
  for (;;) {
    const { summary, ended } = slurmSweepStatus(store, manifest, env, warn);
    if (ended !== last) progress(ended, manifest.runs.length);
    last = ended;
    if (ended >= manifest.runs.length) return summary;
    await Bun.sleep(intervalMs);
  }
}
