/**
 * Where a Slurm sweep stands: each point's run as the store reads it (a point still queued reads
 * `pending`, or what Slurm says ended it before it began: src/core/slurm/queued.ts); a point with
 * no run file at all (its queued run could not be written) is read from Slurm the same way, and a
 * point whose task Slurm requeued by its latest attempt (./requeue.ts).
 */
import { existsSync } from "node:fs";
import type { Warn } from "../query/records";
import { isUnended } from "../record/schema";
import { runFilePath } from "../store";
import { type SweepSummary, summarizeSweep } from "../sweep/summary";
import { queuedStatus } from "./queued";
import { latestAttempt } from "./requeue";
import type { SlurmSweepManifest } from "./sweep";

export interface SlurmSweepStatus {
  summary: SweepSummary;
  /** Points whose run has ended or that will never start. */
  ended: number;
}

export function slurmSweepStatus(store: string, manifest: SlurmSweepManifest, env: NodeJS.ProcessEnv, warn: Warn): SlurmSweepStatus {
  const { runs, job_id: jobId } = manifest;
  /** Point `index` as run `runId` records it. */
  const pointRun = (index: number, runId: string) => ({
    run: { index, point: runs[index]!.point, command: runs[index]!.command, runId },
    runId,
    device: null,
    exitCode: null,
  });
  // A point whose task Slurm requeued stands where its latest attempt stands: the sweep is read
  // again with those attempts in their points' places, so every row and the metric come from one reading.
  const warned: string[] = [];
  let summary = summarizeSweep(
    store,
    manifest.sweep_id,
    runs.map((run, index) => pointRun(index, run.run_id)),
    (message) => warned.push(message),
  );
  const latest = summary.runs.map((point, index) => (point.status === "preempted" ? latestAttempt(store, runs[index]!.run_id) : null));
  if (latest.some((id) => id !== null))
    summary = summarizeSweep(
      store,
      manifest.sweep_id,
      runs.map((run, index) => pointRun(index, latest[index] ?? run.run_id)),
      warn,
    );
  else for (const message of warned) warn(message);
  let ended = 0;
  summary.runs.forEach((point, index) => {
    if (jobId && !existsSync(runFilePath(store, runs[index]!.run_id))) point.status = queuedStatus({ jobId, task: index }, env);
    // Its last attempt requeued, the next not started yet: Slurm has the task in hand still.
    else if (jobId && point.status === "preempted" && queuedStatus({ jobId, task: index }, env) === "pending") point.status = "pending";
    if (!isUnended(point.status) && point.status !== "not recorded") ended++;
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
