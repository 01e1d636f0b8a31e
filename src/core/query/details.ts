/**
 * Answers about runs, each reading only what it needs: a whole run for `show`, the lines that
 * mention a path for `values` and `paths`, the tail of each run for `best --agg last`.
 */
import { existsSync } from "node:fs";
import { EXIT, UserError } from "../errors";
import { forEachLine, parseRecord, type StoredRecord, TailReader } from "../record/reader";
import { listRunIds, resolveRunRef, shortId } from "../record/refs";
import { listRuns, readable, type RunSummary, STEP_KEYS, summarizeRun } from "./summary";
import { runFilePath, runLogPath } from "../store";
import { asNumber, leafType, leaves, type LeafType, type PathStep, searchKey, valuesAt } from "./value-paths";

type Warn = (message: string) => void;

/** Skips corrupt lines, warning once per file with the first one's `file:line`. */
function recordsOf(file: string, warn: Warn, onRecord: (record: StoredRecord, line: number) => boolean | void, prefilter?: string | null): void {
  let warned = false;
  forEachLine(file, (text, line) => {
    if (prefilter && !text.includes(prefilter)) return;
    const record = parseRecord(text);
    if (!record) {
      if (!warned) warn(`${file}:${line}: skipped a line that is not a JSON record`);
      warned = true;
      return;
    }
    return onRecord(record, line);
  });
}

export interface MetricStats {
  path: string;
  count: number;
  first: number | string;
  last: number | string;
  /** Over finite values; null when there is none. */
  min: number | null;
  max: number | null;
  non_finite: number;
  /** Up to 64 averages over the whole series, for a sparkline. */
  trend: number[];
}

export interface RunDetails {
  summary: RunSummary;
  start: Record<string, unknown>;
  end: Record<string, unknown> | null;
  /** Metadata from `--meta`, then every `$meta` record in order. */
  metadata: Record<string, unknown>;
  notes: { kind: string; created_at: string; elapsed_ms: number; note: string; line: number }[];
  metrics: MetricStats[];
  log: string | null;
}

export function readRunDetails(store: string, reference: string, warn: Warn): RunDetails {
  const { runId, file } = resolveRunRef(store, reference);
  const summary = readable(store, runId, warn, () => summarizeRun(store, runId, warn));
  if (!summary) throw new UserError(`${file} is not a readable run file`, EXIT.failure);
  let start: Record<string, unknown> = {};
  let end: Record<string, unknown> | null = null;
  let metadata: Record<string, unknown> = {};
  const notes: RunDetails["notes"] = [];
  const stats = new Map<string, StatsBuilder>();
  recordsOf(file, warn, (record, line) => {
    const value = record.value;
    if (record.kind === "run_start") {
      start = asObject(value);
      metadata = structuredClone(asObject(start.metadata));
    } else if (record.kind === "run_end") {
      end = asObject(value);
    } else if (record.kind === "meta") {
      metadata = mergeDeep(metadata, asObject(value));
    } else if (record.kind === "track") {
      for (const [path, leaf] of leaves(value)) {
        const number = asNumber(leaf);
        if (number === null) continue;
        let builder = stats.get(path);
        if (!builder) stats.set(path, (builder = new StatsBuilder(path, leaf as number | string)));
        builder.add(number, leaf as number | string);
      }
    }
    if (typeof record.note === "string") {
      notes.push({ kind: String(record.kind), created_at: String(record.created_at ?? ""), elapsed_ms: Number(record.elapsed_ms ?? 0), note: record.note, line });
    }
  });
  const log = runLogPath(store, runId);
  return { summary, start, end, metadata, notes, metrics: [...stats.values()].map((b) => b.build()), log: existsSync(log) ? log : null };
}

class StatsBuilder {
  private count = 0;
  private last: number | string;
  private min: number | null = null;
  private max: number | null = null;
  private nonFinite = 0;
  private buckets: { sum: number; n: number }[] = [];
  private bucketSize = 1;

  constructor(
    private readonly path: string,
    private readonly first: number | string,
  ) {
    this.last = first;
  }

  add(value: number, stored: number | string): void {
    this.count++;
    this.last = stored;
    if (!Number.isFinite(value)) {
      this.nonFinite++;
      return;
    }
    if (this.min === null || value < this.min) this.min = value;
    if (this.max === null || value > this.max) this.max = value;
    // A fixed number of buckets over the whole series: when full, neighbours merge and each bucket doubles.
    const last = this.buckets.at(-1);
    if (last && last.n < this.bucketSize) {
      last.sum += value;
      last.n++;
    } else {
      this.buckets.push({ sum: value, n: 1 });
      if (this.buckets.length > 64) {
        const merged: { sum: number; n: number }[] = [];
        for (let i = 0; i < this.buckets.length; i += 2) {
          const [a, b] = [this.buckets[i]!, this.buckets[i + 1]];
          merged.push(b ? { sum: a.sum + b.sum, n: a.n + b.n } : a);
        }
        this.buckets = merged;
        this.bucketSize *= 2;
      }
    }
  }

  build(): MetricStats {
    return {
      path: this.path,
      count: this.count,
      first: this.first,
      last: this.last,
      min: this.min,
      max: this.max,
      non_finite: this.nonFinite,
      trend: this.buckets.map((b) => b.sum / b.n),
    };
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function mergeDeep(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    const both = value !== null && typeof value === "object" && !Array.isArray(value) && current !== null && typeof current === "object" && !Array.isArray(current);
    Object.defineProperty(out, key, {
      value: both ? mergeDeep(current as Record<string, unknown>, value as Record<string, unknown>) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Runs named on the command line, or the newest runs (all of them with `all`). */
export function selectRuns(store: string, references: string[], fallbackLimit: number): string[] {
  if (references.length) return references.map((reference) => resolveRunRef(store, reference).runId);
  return listRunIds(store).reverse().slice(0, fallbackLimit);
}

export interface PathInfo {
  path: string;
  count: number;
  runs: number;
  types: LeafType[];
  numeric: boolean;
  examples: unknown[];
}

export function collectPaths(store: string, runIds: string[], warn: Warn): PathInfo[] {
  const paths = new Map<string, { count: number; runs: Set<string>; types: Set<LeafType>; examples: unknown[] }>();
  for (const runId of runIds) {
    readable(store, runId, warn, () => recordsOf(runFilePath(store, runId), warn, (record) => {
      if (record.kind !== "track") return;
      for (const [path, value] of leaves(record.value)) {
        let info = paths.get(path);
        if (!info) paths.set(path, (info = { count: 0, runs: new Set(), types: new Set(), examples: [] }));
        info.count++;
        info.runs.add(runId);
        info.types.add(leafType(value));
        if (info.examples.length < 3 && !info.examples.some((e) => JSON.stringify(e) === JSON.stringify(value))) info.examples.push(value);
      }
    }));
  }
  return [...paths.entries()]
    .map(([path, info]) => ({
      path,
      count: info.count,
      runs: info.runs.size,
      types: [...info.types].sort(),
      numeric: info.types.size === 1 && info.types.has("number"),
      examples: info.examples,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

export interface SeriesPoint {
  run_id: string;
  short_id: string;
  step: number | null;
  elapsed_ms: number;
  created_at: string;
  value: unknown;
  source: string;
}


/**
 * The values at `steps` in the runs' track records, in the order they were recorded: the last
 * `keep` of them (memory stays bounded however long the runs are), and how many there were.
 */
export function series(store: string, runIds: string[], steps: PathStep[], keep: number, warn: Warn): { points: SeriesPoint[]; total: number } {
  const points: SeriesPoint[] = [];
  let total = 0;
  const key = searchKey(steps);
  for (const runId of runIds) {
    const file = runFilePath(store, runId);
    readable(store, runId, warn, () => recordsOf(
      file,
      warn,
      (record, line) => {
        if (record.kind !== "track") return;
        const found = valuesAt(record.value, steps);
        if (!found.length) return;
        const tracked = asObject(record.value);
        const stepKey = STEP_KEYS.find((k) => typeof tracked[k] === "number");
        for (const value of found) {
          total++;
          if (points.length >= keep) points.shift();
          points.push({
            run_id: runId,
            short_id: shortId(runId),
            step: stepKey ? (tracked[stepKey] as number) : null,
            elapsed_ms: Number(record.elapsed_ms ?? 0),
            created_at: String(record.created_at ?? ""),
            value,
            source: `${file}:${line}`,
          });
        }
      },
      key,
    ));
  }
  return { points, total };
}

export type Aggregate = "last" | "max" | "min" | "mean";

export interface Ranked {
  rank: number;
  run_id: string;
  short_id: string;
  experiment_name: string;
  value: number | string;
  agg: Aggregate;
  count: number;
  started_at: string;
  status: string;
  commit: string | null;
  dirty: boolean | null;
}

/** One number per run for the path, by `agg`; null when the run never reported it. */
function aggregate(file: string, steps: PathStep[], agg: Aggregate, warn: Warn): { value: number; count: number } | null {
  const key = searchKey(steps);
  if (agg === "last") {
    const tail = new TailReader(file);
    try {
      for (let line = tail.previous(); line !== null; line = tail.previous()) {
        if (key && !line.includes(key)) continue;
        const record = parseRecord(line);
        if (record?.kind !== "track") continue;
        const numbers = valuesAt(record.value, steps).map(asNumber).filter((n): n is number => n !== null);
        if (numbers.length) return { value: numbers.at(-1)!, count: 1 };
      }
    } finally {
      tail.close();
    }
    return null;
  }
  let count = 0;
  let finite = 0;
  let sum = 0;
  /** max and min take infinities into account (they rank last anyway); only NaN is skipped. */
  let extreme: number | null = null;
  recordsOf(
    file,
    warn,
    (record) => {
      if (record.kind !== "track") return;
      for (const n of valuesAt(record.value, steps).map(asNumber)) {
        if (n === null) continue;
        count++;
        if (Number.isNaN(n)) continue;
        if (extreme === null || (agg === "max" ? n > extreme : n < extreme)) extreme = n;
        if (!Number.isFinite(n)) continue;
        finite++;
        sum += n;
      }
    },
    key,
  );
  if (count === 0) return null;
  if (agg === "mean") return { value: finite ? sum / finite : Number.NaN, count };
  return { value: extreme ?? Number.NaN, count };
}

/** Runs ranked by a metric; non-finite values rank after every finite one; runs without it come back apart. */
export function rankRuns(
  store: string,
  steps: PathStep[],
  options: { direction: "max" | "min"; agg: Aggregate; name?: string },
  warn: Warn,
): { ranked: Ranked[]; missing: RunSummary[] } {
  const { runs } = listRuns(store, { name: options.name }, Number.POSITIVE_INFINITY, warn, false);
  const scored: { run: RunSummary; value: number; count: number }[] = [];
  const missing: RunSummary[] = [];
  for (const run of runs) {
    const result = readable(store, run.run_id, warn, () => aggregate(run.file, steps, options.agg, warn));
    if (result) scored.push({ run, ...result });
    else missing.push(run);
  }
  const sign = options.direction === "max" ? -1 : 1;
  scored.sort((a, b) => {
    const [fa, fb] = [Number.isFinite(a.value), Number.isFinite(b.value)];
    if (fa !== fb) return fa ? -1 : 1;
    if (!fa) return 0;
    return sign * (a.value - b.value) || (a.run.run_id < b.run.run_id ? 1 : -1);
  });
  const ranked = scored.map(({ run, value, count }, i) => ({
    rank: i + 1,
    run_id: run.run_id,
    short_id: run.short_id,
    experiment_name: run.experiment_name,
    value: Number.isFinite(value) ? value : (formatNonFinite(value) as string),
    agg: options.agg,
    count,
    started_at: run.started_at,
    status: run.status,
    commit: run.commit,
    dirty: run.dirty,
  }));
  return { ranked, missing };
}

function formatNonFinite(value: number): string {
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}
