/**
 * A Slurm task run again (`scontrol requeue`, a preemption that requeues) starts its `exprag run`
 * with the run id prepared for it at submit, whose file its first attempt wrote. Each later
 * attempt is a run of its own: its id is derived from the first's and SLURM_RESTART_COUNT (so it
 * sorts after the first and each earlier attempt; the same id for the same attempt), and it names
 * the attempt before it as the run it repeats. A first attempt that never wrote its run (the point
 * is still queued) is taken over by the attempt as usual, under the prepared id. An attempt before
 * whose writer died without its run_end (killed past Slurm's grace) is given one, `preempted`:
 * Slurm starts the next attempt only once the last one's processes are gone.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { liveness } from "../os/processes";
import { decodeRunStart, parseRecord } from "../record/decode";
import { isQueuedRunFile } from "../record/queued-file";
import { countRecordKinds, readRunStart } from "../record/reader";
import { TailReader } from "../record/tail-reader";
import { runFilePath } from "../store";
import { runEndLine } from "./queued-end";

/**
 * The run id of attempt `attempt` (1 = the first requeue) of the run first prepared as `runId`, a
 * UUIDv7. Runs sort by id, so its first 60 bits (the ms time, then the 12-bit `rand_a` after the
 * version) are the first's plus `attempt` in the last of them, carrying into the time: strictly after
 * the first and each earlier attempt. The rest comes from a hash, as another run's would be random.
 */
export function attemptRunId(runId: string, attempt: number): string {
  const first = runId.replace(/-/g, "");
  const counter = Number.parseInt(first.slice(13, 16), 16) + attempt;
  const time = (Number.parseInt(first.slice(0, 12), 16) + Math.floor(counter / 0x1000)).toString(16).padStart(12, "0");
  const randA = (counter % 0x1000).toString(16).padStart(3, "0");
  const hash = new Bun.CryptoHasher("sha256").update(`${runId}:${attempt}`).digest("hex");
  const variant = ((Number.parseInt(hash[3]!, 16) & 0x3) | 0x8).toString(16);
  const hex = `${time}7${randA}${variant}${hash.slice(4, 19)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** How many requeues of one task are looked for (Slurm's MaxBatchRequeue is 5 by default). */
const MAX_ATTEMPTS = 16;

/** The latest attempt of run `runId` that wrote its run, when a requeue made one; null when none did. */
export function latestAttempt(store: string, runId: string): string | null {
  for (let attempt = MAX_ATTEMPTS; attempt >= 1; attempt--) {
    const id = attemptRunId(runId, attempt);
    if (existsSync(runFilePath(store, id))) return id;
  }
  return null;
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

/** Gives attempt `repeats` a run_end saying Slurm requeued it, when its writer died without one; true when written. */
export function endRequeuedAttempt(store: string, repeats: string, next: string, env: NodeJS.ProcessEnv): boolean {
  const file = runFilePath(store, repeats);
  try {
    const first = readRunStart(file);
    if (!first) return false;
    const start = decodeRunStart(first);
    if (start.process.started && liveness(start.process.started) === "alive") return false;
    const tail = new TailReader(file);
    let last: string | null;
    try {
      last = tail.previous();
    } finally {
      tail.close();
    }
    if (last === null || parseRecord(last)?.kind === "run_end") return false;
    const job = env.SLURM_JOB_ID ?? "";
    const line = runEndLine(repeats, start.experimentName, {
      status: "preempted",
      exit_code: null,
      signal: null,
      counts: countRecordKinds(file),
      error: `Slurm requeued its task before its run wrote its end; the next attempt is run ${next}`,
      scheduler_end: { kind: "slurm", job_id: job, state: "REQUEUED" },
    });
    const fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW);
    try {
      // After a line the killed writer left torn, on a line of its own.
      const size = fstatSync(fd).size;
      const end = Buffer.alloc(1);
      const torn = size > 0 && readSync(fd, end, 0, 1, size - 1) === 1 && end[0] !== 10;
      writeSync(fd, torn ? Buffer.concat([Buffer.from("\n"), line]) : line);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch {
    return false;
  }
}
