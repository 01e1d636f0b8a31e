/**
 * One line of `exprag ls` per run, read from the run file's first line and its tail only: a
 * finished run's record counts are in its run_end, and its last metrics are near the end.
 */
import os from "node:os";
import { type ProcessIdentity, readStartTicks } from "../run/context";
import { listRunIds, shortId } from "../record/refs";
import { countLines, parseRecord, readRunStart, type StoredRecord, TailReader } from "../record/reader";
import { usageError } from "../errors";
import { runFilePath } from "../store";
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

export function summarizeRun(store: string, runId: string, warn: (message: string) => void, withMetrics = true): RunSummary | null {
  const file = runFilePath(store, runId);
  const start = readRunStart(file);
  if (typeof start?.run_id !== "string") {
    warn(`${file}:1: no run_start record; not a run file, skipped`);
    return null;
  }
  const startValue = asObject(start.value);
  const git = asObject(startValue.git);
  const { end, metrics, tornLast } = readTail(file, withMetrics);
  if (tornLast) warn(`${file}:${countLines(file)}: skipped a line that is not a JSON record`);
  const endValue = end ? asObject(end.value) : null;
  const counts = endValue ? asObject(endValue.counts) : null;
  const records = counts
    ? Object.values(counts).reduce<number>((sum, n) => sum + (typeof n === "number" ? n : 0), 0)
    : Math.max(0, countLines(file) - 1);
  const identity = asObject(asObject(startValue.process).started);
  const started = typeof identity.pid === "number" && typeof identity.host === "string" ? (identity as unknown as ProcessIdentity) : null;
  return {
    run_id: start.run_id,
    short_id: shortId(start.run_id),
    experiment_name: String(start.experiment_name ?? ""),
    started_at: String(start.created_at ?? ""),
    // Without run_end: running while the exprag that wrote it lives; unknown when it did not say
    // who it was (the original Python exprag writes no run_end).
    status: endValue ? (String(endValue.status) as RunState) : !started ? "unknown" : isAlive(started) ? "running" : "crashed",
    exit_code: typeof endValue?.exit_code === "number" ? endValue.exit_code : null,
    duration_ms: typeof endValue?.duration_ms === "number" ? endValue.duration_ms : null,
    commit: typeof git.commit === "string" ? git.commit : null,
    dirty: typeof git.dirty === "boolean" ? git.dirty : null,
    branch: typeof git.branch === "string" ? git.branch : null,
    records,
    metrics,
    file,
  };
}

/** run_end (when last) and the last value of each numeric path among the last track records. */
/**
 * run_end (when last), and the last value of each numeric path: track records are read back from
 * the end until one adds no new path (at most TAIL_RECORDS of them).
 */
function readTail(file: string, withMetrics: boolean): { end: StoredRecord | null; metrics: Record<string, number | string>; tornLast: boolean } {
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
        if (path in metrics || asNumber(value) === null || STEP_KEYS.includes(path)) continue;
        metrics[path] = value as number | string;
        added = true;
      }
      if (!added && tracks > 1) break;
    }
  } finally {
    tail.close();
  }
  return { end, metrics, tornLast };
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Whether the exprag process that started a run still lives: same host, same pid, same start time. */
export function isAlive(started: ProcessIdentity): boolean {
  if (started.host !== os.hostname()) return true; // cannot tell from here; do not call it crashed
  if (typeof started.pid !== "number") return false;
  try {
    process.kill(started.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return started.start_ticks === null || readStartTicks(started.pid) === started.start_ticks;
}

/** `--since`: a span back from now (`90m`, `2h`, `3d`, `2w`) or a date/time (`2026-11-01`, ISO 8601). */
export function parseSince(text: string, now = Date.now()): number {
  const span = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (span) {
    const unit = { m: 60e3, min: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[span[2]!.toLowerCase() as "m"];
    return now - Number(span[1]) * unit;
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw usageError(`--since expects 90m, 2h, 3d, 2w or a date, got "${text}"`);
  return time;
}

/** Runs `read` on one run file; a file that cannot be read (gone, a dangling link) is skipped with a warning. */
export function readable<T>(store: string, runId: string, warn: (message: string) => void, read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    warn(`${runFilePath(store, runId)}: cannot be read (${code}), skipped`);
    return null;
  }
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
export function listRuns(
  store: string,
  filter: RunFilter,
  limit: number,
  warn: (message: string) => void,
  withMetrics = true,
): { runs: RunSummary[]; total: number } {
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
