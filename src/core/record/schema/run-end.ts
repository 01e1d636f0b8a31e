/** The last record of a run: how it ended, and what its file holds by kind. */
import type { SystemPeaks } from "./context";
import type { RecordKind } from "./envelope";

/** How the batch scheduler ended a run that ended by a signal, when it could be asked (Slurm's job state). */
export const SCHEDULER_END_STATUSES = ["timeout", "cancelled", "preempted", "out_of_memory", "node_fail"] as const;
export type SchedulerEndStatus = (typeof SCHEDULER_END_STATUSES)[number];

/**
 * How a run ended, the one list: `stopped` when a stop rule (`run --stop-when`) ended it,
 * `timeout` when its time limit (`run --time-limit`) or Slurm's did; Slurm's other causes after.
 */
export const RUN_END_STATUSES = [
  "ok",
  "failed",
  "killed",
  "interrupted",
  "stopped",
  "timeout",
  "cancelled",
  "preempted",
  "out_of_memory",
  "node_fail",
] as const;
export type RunEndStatus = (typeof RUN_END_STATUSES)[number];

/**
 * What is said of a run: how it ended, else that it still runs, that it waits in Slurm's queue
 * (`pending`: a point of a Slurm sweep whose task has not started its run yet), that its writer
 * died (crashed), or that this cannot be told.
 */
export type RunState = RunEndStatus | "running" | "pending" | "crashed" | "unknown";
export const RUN_STATES: RunState[] = [...RUN_END_STATUSES, "running", "pending", "crashed", "unknown"];
/** The states of a run that has not ended yet: it may still write. */
export const UNENDED_STATES: readonly RunState[] = ["running", "pending"];
export const isUnended = (status: string): boolean => (UNENDED_STATES as readonly string[]).includes(status);

/** The states of a run that broke: its command failed, or its writer died. */
export const FAILED_STATES = ["failed", "crashed"] as const satisfies readonly RunState[];
export const isFailedState = (state: string): boolean => (FAILED_STATES as readonly string[]).includes(state);

/** The kinds run_end always counts: the records the command itself gave. */
export const COMMAND_RECORD_KINDS = ["track", "meta", "note", "parse_error"] as const;

/**
 * Records in a run file by kind: the command's own; `params` records (the Python hook's, or any
 * program's `$params`) and its process tree's samples, each only when there were some (and absent
 * in runs recorded before they were counted).
 */
export type RecordCounts = Record<(typeof COMMAND_RECORD_KINDS)[number], number> & { params?: number; system?: number };

/** Counts of a file that holds none yet. */
export const noRecordCounts = (): RecordCounts => ({ track: 0, meta: 0, note: 0, parse_error: 0 });

/** run_end's counts from a count of every kind: params and system only when there were some. */
export function recordCounts(byKind: Record<RecordKind, number>): RecordCounts {
  const counts = noRecordCounts();
  for (const kind of COMMAND_RECORD_KINDS) counts[kind] = byKind[kind];
  return { ...counts, ...(byKind.params > 0 && { params: byKind.params }), ...(byKind.system > 0 && { system: byKind.system }) };
}

/** How many records the command itself gave (its samples not included). */
export const commandRecords = (counts: RecordCounts): number => COMMAND_RECORD_KINDS.reduce((sum, kind) => sum + counts[kind], 0);

export interface ResourceUsage {
  max_rss_bytes: number;
  cpu_user_ms: number;
  cpu_system_ms: number;
}

/** Where a tracked number first was NaN or infinite. */
export interface Divergence {
  path: string;
  step: number | null;
  /** `<run file>:<line>` of that record. */
  source: string;
}

export interface RunEndValue {
  status: RunEndStatus;
  /** null when the command never ran (a Slurm sweep's point that Slurm ended before its run began). */
  exit_code: number | null;
  signal: string | null;
  duration_ms?: number;
  resources?: ResourceUsage | null;
  /** Records in the file, by kind. */
  counts: RecordCounts;
  /** Records that could not be written (disk full, file too large), and why. */
  lost?: { records: number; reason: string };
  error?: string;
  /** The first non-finite tracked number, when there was one. */
  diverged?: Divergence;
  /** The last lines of the command's stderr (at most 20, 4 KiB). */
  stderr_tail?: string[];
  /** What the scheduler said about a run that ended by a signal: its job state and reason. */
  scheduler_end?: SchedulerEnd;
  /** What ended a `stopped` or `timeout` run. */
  stopped_by?: StoppedBy;
  /** The peaks of the `system` samples, when the run was sampled. */
  system?: SystemPeaks;
}

export interface SchedulerEnd {
  kind: "slurm";
  job_id: string;
  /** The job's state as the scheduler names it (`TIMEOUT`, `CANCELLED`, ...). */
  state: string;
  /** The scheduler's reason, when it gives one other than None. */
  reason?: string;
}

/** The stop rule (as written) or time limit (`--time-limit 2s`) that ended a run, and when it held. */
export interface StoppedBy {
  rule: string;
  /** `<run file>:<line>` of the record it held at; null when no record made it hold (a time limit). */
  source: string | null;
  /** The step of that record, when it has one. */
  step: number | null;
  /** Milliseconds from the command's start. */
  elapsed_ms: number;
}
