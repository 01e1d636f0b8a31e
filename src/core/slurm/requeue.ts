/**
 * A Slurm task run again (`scontrol requeue`, a preemption that requeues) starts its `exprag run`
 * with the run id prepared for it at submit, whose file its first attempt wrote. Each later
 * attempt is a run of its own: its id is derived from the first's and SLURM_RESTART_COUNT (the
 * first's time, so it sorts after it; the same id for the same attempt), and it names the attempt
 * before it as the run it repeats. A first attempt that never wrote its run (the point is still
 * queued) is taken over by the attempt as usual, under the prepared id.
 */
import { existsSync } from "node:fs";
import { isQueuedRunFile } from "../record/queued-file";
import { runFilePath } from "../store";

/** The run id of attempt `attempt` (1 = the first requeue) of the run first prepared as `runId`, a UUIDv7. */
export function attemptRunId(runId: string, attempt: number): string {
  const hash = new Bun.CryptoHasher("sha256").update(`${runId}:${attempt}`).digest("hex");
  const variant = ((Number.parseInt(hash[3]!, 16) & 0x3) | 0x8).toString(16);
  const hex = `${runId.replace(/-/g, "").slice(0, 12)}7${hash.slice(0, 3)}${variant}${hash.slice(4, 19)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * For a prepared run started by a requeued Slurm task: its own run id and the attempt it repeats
 * (the latest earlier one that wrote its run); null for a first attempt, or one whose prepared
 * file is still the queued point.
 */
export function requeuedAttempt(store: string, runId: string, env: NodeJS.ProcessEnv): { runId: string; repeats: string } | null {
  const attempt = Number(env.SLURM_RESTART_COUNT ?? "");
  if (!env.SLURM_JOB_ID || !Number.isSafeInteger(attempt) || attempt <= 0) return null;
  const first = runFilePath(store, runId);
  if (!existsSync(first) || isQueuedRunFile(first, runId)) return null;
  let repeats = runId;
  for (let earlier = attempt - 1; earlier >= 1; earlier--) {
    if (existsSync(runFilePath(store, attemptRunId(runId, earlier)))) {
      repeats = attemptRunId(runId, earlier);
      break;
    }
  }
  return { runId: attemptRunId(runId, attempt), repeats };
}
