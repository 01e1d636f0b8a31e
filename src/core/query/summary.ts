/**
 * One line of `exprag ls` per run, read from the run file's first line and its tail only: a
 * finished run's record counts are in its run_end, and its last metrics are near the end.
 */
import { closeSync, statSync } from "node:fs";
import { liveness } from "../os/processes";
import { asObject, decodeDivergence, decodeRunEnd, decodeRunStart, parseRecord, type RunEnd, type RunStart, runEndStatus } from "../record/decode";
import { countLines, countRecordKinds, firstLineOf, type OpenedFile, openRegular, readRunStart, runStartOf } from "../record/reader";
import { isUuidV7, runIdTime, shortId } from "../record/refs";
import { commandRecords, type Divergence, type RecordCounts, type RunState, STEP_KEYS, type StoredRecord, type SystemPeaks } from "../record/schema";
import { TailReader } from "../record/tail-reader";
import { slurmCauseOfDeath } from "../slurm/job-state";
import { queuedAnswer, queuedStatus } from "../slurm/queued";
import { recordQueuedEnd } from "../slurm/queued-end";
import { runFilePath } from "../store";
import { skippedLineWarning, type Warn } from "./records";
import { asNumber, keyText, leaves, type PathStep } from "./value-paths";

export interface RunSummary {
  run_id: string;
  short_id: string;
  experiment_name: string;
  started_at: string;
  status: RunState;
  exit_code: number | null;
  duration_ms: number | null;
  commit: string | null;
  /** The tree of that commit: the same code has the same tree (null when unknown). */
  tree: string | null;
  dirty: boolean | null;
  branch: string | null;
  records: number;
  /** The records of each kind: from run_end, or for a run without one (running, crashed) those written so far. */
  counts: RecordCounts | null;
  /** Why the run failed, in one line, when it says. */
  error: string | null;
  /** false, or where a tracked number first became NaN or infinite. */
  diverged: false | Divergence;
  /** The hypothesis the run tests (`--why`). */
  why: string | null;
  /** The id of the run it builds on (`--from`, a rerun's source). */
  from: string | null;
  /** The last value of each numeric path of the latest track records, as stored ("NaN" stays a string). */
  metrics: Record<string, number | string>;
  file: string;
  /** The peaks of its system samples, from run_end; absent when it has none. */
  system?: SystemPeaks;
}

export { STEP_KEYS };

/** How far back from the end the last metrics are looked for, at most. */
const TAIL_RECORDS = 10;

/**
 * A run's line in `ls`. Its id is its file's name, never what the file says: a file whose content
 * names another run is warned about, and a file with no record yet (exprag killed while reading
 * git) is a crashed run.
 */
export function summarizeRun(store: string, runId: string, warn: Warn, withMetrics = true): RunSummary | null {
  return readRunSummary(store, runId, warn, withMetrics).summary;
}

/**
 * summarizeRun, with the run's decoded run_start too: the file is opened once, its first line and
 * its tail read with positioned reads; or read from `given`, the run file its caller opened (and
 * closes).
 */
export function readRunSummary(
  store: string,
  runId: string,
  warn: Warn,
  withMetrics = true,
  retry = true,
  given?: OpenedFile,
): { summary: RunSummary | null; start: RunStart | null; ended?: boolean } {
  const file = runFilePath(store, runId);
  const opened = given ?? openRegular(file);
  try {
    const first = runStartOf(firstLineOf(opened));
    const start = first ? decodeRunStart(first) : null;
    if (!start) {
      if (opened.size === 0) return { summary: emptyRun(runId, file), start };
      warn(`${file}:1: no run_start record; not a run file, skipped`);
      return { summary: null, start };
    }
    if (start.runId !== runId) warn(`${file}: its records name run ${JSON.stringify(first?.run_id ?? null)}; it is run ${runId}, as its file name says`);
    const tail = readTail(opened, withMetrics);
    let end = tail.end && decodeRunEnd(tail.end);
    // A queued point Slurm ended before its run began reads that end, written into its file for later readers.
    const ended = start.queued && !end ? queuedAnswer(start.queued).end : null;
    if (ended) {
      recordQueuedEnd(file, opened.fd, runId, ended);
      end = decodeRunEnd({ kind: "run_end", value: ended });
    }
    const summary = summaryOf(runId, file, start, end, tail, warn);
    // Its task may have started (and even ended) while Slurm was asked: the file at its path says so then.
    if (retry && ended) {
      const current = readRunStart(file);
      if (current && !decodeRunStart(current).queued) return readRunSummary(store, runId, warn, withMetrics, false);
    }
    // `ended`: a run_end says so, whatever status it names (one a later exprag knows reads as unknown).
    return { summary, start, ended: end !== null };
  } finally {
    if (!given) closeSync(opened.fd);
  }
}

/** What ranking a finished run needs of its summary: `status`, whether it `diverged`, its last `metrics`. */
export interface FinishedRun {
  status: RunState;
  diverged: boolean;
  /** The summary's last metrics as far as they were read: every one, or up to the path wanted when the tail holds it. */
  metrics: Record<string, number | string>;
}

/**
 * Those facts of summarizeRun for a run that ended and reads cleanly (its first line a run_start of
 * its own id, a run_end at its end, no torn last line), read as readRunSummary reads them, without
 * building the rest of the summary; given the metric `wanted` (a metricKey), its last metrics are
 * read only until it is found. null for any other run, or a file that cannot be read: its summary
 * is then the caller's to read, which warns as it should (this read never warns).
 */
export function readFinishedRun(file: string, runId: string, wanted: string | null = null): FinishedRun | null {
  let opened: OpenedFile;
  try {
    opened = openRegular(file);
  } catch {
    return null;
  }
  try {
    const first = runStartOf(firstLineOf(opened));
    if (first?.run_id !== runId) return null;
    const { end, metrics, tornLast } = readTail(opened, true, wanted);
    if (!end || tornLast) return null;
    const value = asObject(end.value);
    return { status: runEndStatus(value), diverged: decodeDivergence(value.diverged) !== null, metrics };
  } catch {
    return null;
  } finally {
    closeSync(opened.fd);
  }
}

function summaryOf(runId: string, file: string, start: RunStart, end: RunEnd | null, tail: ReturnType<typeof readTail>, warn: Warn): RunSummary {
  const { metrics, tornLast } = tail;
  const status = runState(start, end, file);
  // A live run's last line may be a write still under way.
  if (tornLast && status !== "running") warn(skippedLineWarning(file, countLines(file)));
  const counts = end?.counts ?? countRecordKinds(file);
  const summary: RunSummary = {
    run_id: runId,
    short_id: shortId(runId),
    experiment_name: start.experimentName,
    started_at: start.createdAt,
    status,
    exit_code: end?.exitCode ?? null,
    duration_ms: end?.durationMs ?? null,
    commit: start.git?.commit ?? null,
    tree: start.git?.tree ?? null,
    dirty: start.git?.dirty ?? null,
    branch: start.git?.branch ?? null,
    records: end?.records ?? commandRecords(counts),
    counts,
    error: end?.error ?? null,
    diverged: end?.diverged ?? false,
    why: start.why,
    from: start.from,
    metrics,
    file,
  };
  // Last, when there is one: set, not spread (every run of a listing is summarised).
  if (end?.system) summary.system = end.system;
  return summary;
}

function emptyRun(runId: string, file: string): RunSummary {
  return {
    run_id: runId,
    short_id: shortId(runId),
    experiment_name: "",
    started_at: new Date(isUuidV7(runId) ? runIdTime(runId) : statSync(file).mtimeMs).toISOString(),
    status: "crashed",
    exit_code: null,
    duration_ms: null,
    commit: null,
    tree: null,
    dirty: null,
    branch: null,
    records: 0,
    counts: null,
    error: null,
    diverged: false,
    why: null,
    from: null,
    metrics: {},
    file,
  };
}

/**
 * How a run ended, or without run_end: running while the exprag that wrote it lives, crashed once
 * it is gone (or this host rebooted since). A run of another host is judged by its heartbeat;
 * unknown when it did not say who it was (the original Python exprag writes no run_end) or, on
 * another host, left no heartbeat interval.
 */
function runState(start: RunStart, end: RunEnd | null, file: string): RunState {
  if (end) return end.status;
  // Queued: no process has written it yet, so no heartbeat can have stopped.
  if (start.queued) return queuedStatus(start.queued);
  const state = writerState(start, file);
  // A writer under Slurm that died without a word: Slurm may know why (its node failed, its task was requeued).
  const job = start.scheduler.kind === "slurm" && typeof start.scheduler.job_id === "string" ? start.scheduler.job_id : null;
  if (state !== "crashed" || !job) return state;
  const attempt = Number(start.scheduler.restart_count ?? 0);
  return slurmCauseOfDeath(job, Number.isSafeInteger(attempt) && attempt >= 0 ? attempt : 0) ?? state;
}

function writerState(start: RunStart, file: string): RunState {
  const started = start.process.started;
  if (!started) return "unknown";
  const state = liveness(started);
  if (state !== "unknown") return state === "alive" ? "running" : "crashed";
  // Another host: its heartbeat (the file's modification time) says whether it lives.
  const interval = start.process.heartbeatS;
  if (interval === null) return "unknown";
  return Date.now() - statSync(file).mtimeMs <= HEARTBEAT_MISSES * interval * 1000 ? "running" : "crashed";
}

/** A run of another host whose heartbeat is older than this many intervals is crashed. */
const HEARTBEAT_MISSES = 3;

/**
 * run_end (when last), and the last value of each numeric path: track records are read back from
 * the end until one adds no new path (at most TAIL_RECORDS of them), or, given a `wanted` path,
 * until it has been found (its value is the same: the first found from the end wins).
 */
function readTail(
  file: OpenedFile,
  withMetrics: boolean,
  wanted: string | null = null,
): { end: StoredRecord | null; metrics: Record<string, number | string>; tornLast: boolean } {
  const tail = new TailReader(file);
  // A Map: metric keys such as __proto__ or constructor are keys like any other.
  const metrics = new Map<string, number | string>();
  /** Which record (counted from the end) set each metric. */
  const setBy = new Map<string, number>();
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
        // A later record's value stands; within a record the last element of a list (layers[].loss) wins, as in lastValues.
        if (number === null || STEP_KEYS.includes(path) || (metrics.has(path) && setBy.get(path) !== tracks)) continue;
        metrics.set(path, typeof value === "string" ? value : number);
        setBy.set(path, tracks);
        added = true;
      }
      if ((!added && tracks > 1) || (wanted !== null && metrics.has(wanted))) break;
    }
  } finally {
    tail.close();
  }
  return { end, metrics: Object.fromEntries(metrics), tornLast };
}

/** The key of a path of keys in a summary's last metrics (`metrics.acc`); null for a path through a list. */
export function metricKey(steps: PathStep[]): string | null {
  return steps.every((step) => "key" in step) ? steps.map((step, i) => keyText((step as { key: string }).key, i === 0)).join(".") : null;
}

/** lastValues from a summary's last metrics, when they hold the path (by its metricKey); undefined when they do not. */
export function lastFromMetrics(metrics: Record<string, number | string>, key: string | null): unknown[] | undefined {
  return key && Object.hasOwn(metrics, key) ? [metrics[key]] : undefined;
}
