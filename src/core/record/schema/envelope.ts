/**
 * What every line of a run file is: an envelope (schema_version, exprag_version, run_id,
 * experiment_name, kind, value, created_at, elapsed_ms, and note when there is one: the original
 * Python exprag's schema) around one kind of record.
 */

export const SCHEMA_VERSION = 1;

/** Counters that number a run's track records rather than measure anything (a record's step). */
export const STEP_KEYS = ["step", "epoch", "iteration", "iter"];

export const RECORD_KINDS = ["run_start", "track", "meta", "note", "parse_error", "run_end", "params", "environment", "system", "outputs"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** One line of a run file as stored; every field may be absent in a file exprag did not write. */
export interface StoredRecord {
  schema_version?: unknown;
  exprag_version?: unknown;
  run_id?: unknown;
  experiment_name?: unknown;
  kind?: unknown;
  value?: unknown;
  created_at?: unknown;
  elapsed_ms?: unknown;
  note?: unknown;
}

export interface ParseErrorValue {
  raw: string;
  reason: string;
  source: "stdout" | "fd";
}
