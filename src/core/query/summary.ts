/**
 * One line of `exprag ls` per run, read from the run file's first line and its tail only: a
 * finished run's record counts are in its run_end, and its last metrics are near the end.
 */
import { isAlive } from "../os/processes";
import { decodeRunEnd, decodeRunStart, parseRecord, type RunEnd, type RunStart } from "../record/decode";
import { countLines, readRunStart, TailReader } from "../record/reader";
import { listRunIds, shortId } from "../record/refs";
import type { StoredRecord } from "../record/schema";
import { runFilePath } from "../store";
import { readable, type Warn } from "./records";
import { asNumber, leaves } from "./value-paths";

export type RunState = "ok" | "failed" | "killed" | "interrupted" | "running" | "crashed" | "unknown";
export const RUN_STATES: RunState[] = ["ok", "failed", "killed", "interrupted", "running", "crashed", "unknown"];

export interface RunSummary {
  run_id: string;
  short_id: string;
  experiment_name: string;
  started_at: string;
  status: RunState;
  exit_code: number | null;
  duration_ms: number | null;
  commit: string | null;
  dirty: boolean | null;
  branch: string | null;
  records: number;
  /** The last value of each numeric path of the latest track records, as stored ("NaN" stays a string). */
  metrics: Record<string, number | string>;
  file: string;
}

/** Counters that number the records rather than measure anything; not shown as metrics. */
export const STEP_KEYS = ["step", "epoch", "iteration", "iter"];

/** How far back from the end the last metrics are looked for, at most. */
const TAIL_RECORDS = 10;

/** The creation time of a UUIDv7, in ms since the epoch: its first 48 bits. */
export function runIdTime(runId: string): number {
  return Number.parseInt(runId.replace(/-/g, "").slice(0, 12), 16);
}

export function summarizeRun(store: string, runId: string, warn: Warn, withMetrics = true): RunSummary | null {
  const file = runFilePath(store, runId);
  const first = readRunStart(file);
  const start = first ? decodeRunStart(first) : null;
  if (!start?.runId) {
    warn(`${file}:1: no run_start record; not a run file, skipped`);
    return null;
  }
  const { end, metrics, tornLast } = readTail(file, withMetrics);
  if (tornLast) warn(`${file}:${countLines(file)}: skipped a line that is not a JSON record`);
  return {
    run_id: start.runId,
    short_id: shortId(start.runId),
    experiment_name: start.experimentName,
    started_at: start.createdAt,
    status: runState(start, end),
    exit_code: end?.exitCode ?? null,
    duration_ms: end?.durationMs ?? null,
    commit: start.git?.commit ?? null,
    dirty: start.git?.dirty ?? null,
    branch: start.git?.branch ?? null,
    records: end?.records ?? Math.max(0, countLines(file) - 1),
    metrics,
    file,
  };
}

/**
 * How a run ended, or without run_end: running while the exprag that wrote it lives; unknown when
 * it did not say who it was (the original Python exprag writes no run_end).
 */
function runState(start: RunStart, end: RunEnd | null): RunState {
  if (end) return end.status;
  const started = start.process.started;
  if (!started) return "unknown";
  return isAlive(started) ? "running" : "crashed";
}

/**
 * run_end (when last), and the last value of each numeric path: track records are read back from
 * the end until one adds no new path (at most TAIL_RECORDS of them).
 */
function readTail(file: string, withMetrics: boolean): { end: RunEnd | null; metrics: Record<string, number | string>; tornLast: boolean } {
  const tail = new TailReader(file);
  const metrics: Record<string, number | string> = {};
  let end: StoredRecord | null = null;
  let tracks = 0;
  let tornLast = false;
  try {
    for (let line = tail.previous(), index = 0; line !== null && tracks < TAIL_RECORDS; line = tail.previous(), index++) {
      const record = parseRecord(line);
      if (!record) {
        tornLast ||= index === 0;
        continue;
      }
      if (record.kind === "run_end" && index < 2) end = record;
      if (record.kind === "run_start" || (!withMetrics && index >= 1)) break;
      if (record.kind !== "track") continue;
      tracks++;
      let added = false;
      for (const [path, value] of leaves(record.value)) {
        const number = asNumber(value);
        if (Object.hasOwn(metrics, path) || number === null || STEP_KEYS.includes(path)) continue;
        metrics[path] = typeof value === "string" ? value : number;
        added = true;
      }
      if (!added && tracks > 1) break;
    }
  } finally {
    tail.close();
  }
  return { end: end && decodeRunEnd(end), metrics, tornLast };
}

export interface RunFilter {
  name?: string;
  status?: RunState;
  /** Runs started at or after this time (ms since the epoch). */
  since?: number;
}

/**
 * Summaries newest first, filtered, at most `limit` of them; `total` counts every match, so a cut
 * list can say so. Runs are read newest first and only until the limit is reached.
 */
export function listRuns(store: string, filter: RunFilter, limit: number, warn: Warn, withMetrics = true): { runs: RunSummary[]; total: number } {
  const ids = listRunIds(store).reverse();
  const runs: RunSummary[] = [];
  let total = 0;
  for (const runId of ids) {
    if (filter.since !== undefined && runIdTime(runId) < filter.since) break;
    const needsReading = runs.length < limit || filter.name !== undefined || filter.status !== undefined;
    if (!needsReading) {
      total++;
      continue;
    }
    const summary = readable(store, runId, warn, () => summarizeRun(store, runId, warn, withMetrics));
    if (!summary) continue;
    if (filter.name !== undefined && !summary.experiment_name.toLowerCase().includes(filter.name.toLowerCase())) continue;
    if (filter.status !== undefined && summary.status !== filter.status) continue;
    total++;
    if (runs.length < limit) runs.push(summary);
  }
  return { runs, total };
}
