/** `exprag best`: runs ranked by one number each, taken from a metric's series. */
import { decodeEnvelope, parseRecord } from "../record/decode";
import { TailReader } from "../record/reader";
import { readable, recordsOf, type Warn } from "./records";
import { listRuns, type RunSummary } from "./summary";
import { asNumber, type PathStep, searchKey, valuesAt } from "./value-paths";

export type Aggregate = "last" | "max" | "min" | "mean";
export const AGGREGATES: Aggregate[] = ["last", "max", "min", "mean"];
export type Direction = "max" | "min";

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

const LOWER_IS_BETTER = /loss|err|perplex|ppl|time|latency|mse|mae|rmse|cost|regret/i;

/** Without --max or --min: a path that looks like a loss or an error ranks lowest first. */
export function guessDirection(path: string): Direction {
  return LOWER_IS_BETTER.test(path) ? "min" : "max";
}

/** Runs ranked by a metric; non-finite values rank after every finite one; runs without it come back apart. */
export function rankRuns(
  store: string,
  steps: PathStep[],
  options: { direction: Direction; agg: Aggregate; name?: string },
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
    value: Number.isFinite(value) ? value : nonFiniteName(value),
    agg: options.agg,
    count,
    started_at: run.started_at,
    status: run.status,
    commit: run.commit,
    dirty: run.dirty,
  }));
  return { ranked, missing };
}

/** One number per run for the path, by `agg`; null when the run never reported it. */
function aggregate(file: string, steps: PathStep[], agg: Aggregate, warn: Warn): { value: number; count: number } | null {
  const key = searchKey(steps);
  if (agg === "last") return lastValue(file, steps, key);
  let count = 0;
  let finite = 0;
  let sum = 0;
  /** max and min take infinities into account (they rank last anyway); only NaN is skipped. */
  let extreme: number | null = null;
  recordsOf(
    file,
    warn,
    (record) => {
      const envelope = decodeEnvelope(record);
      if (envelope.kind !== "track") return;
      for (const n of valuesAt(envelope.value, steps).map(asNumber)) {
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

/** The last number at the path, read back from the end of the file. */
function lastValue(file: string, steps: PathStep[], key: string | null): { value: number; count: number } | null {
  const tail = new TailReader(file);
  try {
    for (let line = tail.previous(); line !== null; line = tail.previous()) {
      if (key && !line.includes(key)) continue;
      const record = parseRecord(line);
      if (!record || decodeEnvelope(record).kind !== "track") continue;
      const numbers = valuesAt(record.value, steps)
        .map(asNumber)
        .filter((n): n is number => n !== null);
      if (numbers.length) return { value: numbers.at(-1)!, count: 1 };
    }
  } finally {
    tail.close();
  }
  return null;
}

function nonFiniteName(value: number): string {
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}
