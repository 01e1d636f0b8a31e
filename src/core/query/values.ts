/** `exprag values`: the series of one value path, each point with the `file:line` it came from. */
import { asObject, decodeEnvelope } from "../record/decode";
import { trackedValue } from "../record/decode-context";
import { shortId } from "../record/refs";
import { unknownPathError } from "./known-paths";
import { readable, recordsOf, type Warn } from "./records";
import type { RunView } from "./run-view";
import { STEP_KEYS } from "./summary";
import { jsonNumber, type PathStep, searchKey, valuesAt } from "./value-paths";

export interface SeriesPoint {
  run_id: string;
  short_id: string;
  step: number | null;
  elapsed_ms: number;
  created_at: string;
  value: unknown;
  source: string;
}

export interface Series {
  /** Oldest first: runs in the order they started, each run's points in the order recorded. */
  points: SeriesPoint[];
  /** How many points there were before `--last` and the cap. */
  total: number;
  /** How many points `--last` kept, before the cap. */
  kept: number;
}

/** A queue that keeps the last `size` items pushed into it (memory stays bounded however long the series). */
class LastItems<T> {
  private items: T[] = [];
  private start = 0;
  constructor(private readonly size: number) {}
  push(item: T): void {
    if (this.size === 0) return;
    this.items.push(item);
    if (this.items.length - this.start > this.size) this.start++;
    if (this.start > 4096 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }
  values(): T[] {
    return this.items.slice(this.start);
  }
}

/** One point as read, before it is kept: no object is made for a point nobody keeps. */
export interface RawPoint {
  view: RunView;
  step: number | null;
  elapsedMs: number;
  createdAt: string;
  value: unknown;
  /** The whole tracked value the point was found in (for pairing it with another path of the same record). */
  tracked: unknown;
  line: number;
}

/**
 * Calls `onPoint` for each value at `steps` in the runs' track records, runs in the order given,
 * each run's points in the order recorded; `onRunEnd` after each run. Memory is one record's.
 */
export function forEachPoint(
  views: RunView[],
  steps: PathStep[],
  warn: Warn,
  onPoint: (point: RawPoint) => void,
  onRunEnd: (view: RunView) => void = () => {},
): void {
  const key = searchKey(steps);
  for (const view of views) {
    readable(view.store, view.runId, warn, () =>
      recordsOf(
        view.file,
        warn,
        (record, line) => {
          const envelope = decodeEnvelope(record);
          const value = trackedValue(envelope.kind, envelope.value);
          if (value === undefined) return;
          const found = valuesAt(value, steps);
          if (!found.length) return;
          const tracked = asObject(value);
          const stepKey = STEP_KEYS.find((k) => typeof tracked[k] === "number");
          const step = stepKey ? (tracked[stepKey] as number) : null;
          for (const value of found) onPoint({ view, step, elapsedMs: envelope.elapsedMs, createdAt: envelope.createdAt, value, tracked, line });
        },
        key,
      ),
    );
    onRunEnd(view);
  }
}

export function seriesPoint(point: RawPoint): SeriesPoint {
  return {
    run_id: point.view.runId,
    short_id: shortId(point.view.runId),
    step: point.step,
    elapsed_ms: point.elapsedMs,
    created_at: point.createdAt,
    value: jsonNumber(point.value),
    source: `${point.view.file}:${point.line}`,
  };
}

/**
 * The values at `steps` in the runs' track records (a path naming an object gives the whole
 * object per point): the last `lastPerRun` points of each run, then the last `cap` of those.
 * Memory is bounded by the answer: a run never keeps more than the answer can hold.
 * Given the path as written, a path none of the runs has is a usage error naming the closest ones.
 */
export function series(views: RunView[], steps: PathStep[], options: { lastPerRun: number; cap: number; path?: string }, warn: Warn): Series {
  const all = new LastItems<SeriesPoint>(options.cap);
  const perRun = Math.min(options.lastPerRun, options.cap);
  let total = 0;
  let kept = 0;
  let inRun = 0;
  let run = new LastItems<RawPoint>(perRun);
  forEachPoint(
    views,
    steps,
    warn,
    (point) => {
      total++;
      inRun++;
      run.push(point);
    },
    () => {
      kept += Math.min(inRun, options.lastPerRun);
      for (const point of run.values()) all.push(seriesPoint(point));
      run = new LastItems<RawPoint>(perRun);
      inRun = 0;
    },
  );
  if (total === 0 && views.length && options.path !== undefined) throw unknownPathError({ path: options.path, option: null, trackedOnly: true }, views, warn);
  return { points: all.values(), total, kept };
}

/**
 * The whole series (no cap), each point handed to `emit` as soon as it is known: with
 * `lastPerRun`, after its run ends. Memory is one run's last points at most. Returns the total.
 */
export function streamSeries(
  views: RunView[],
  steps: PathStep[],
  options: { lastPerRun: number; path?: string },
  warn: Warn,
  emit: (point: SeriesPoint) => void,
): number {
  const { lastPerRun } = options;
  let total = 0;
  let run = new LastItems<RawPoint>(lastPerRun);
  const direct = lastPerRun === Number.POSITIVE_INFINITY;
  forEachPoint(
    views,
    steps,
    warn,
    (point) => {
      total++;
      if (direct) emit(seriesPoint(point));
      else run.push(point);
    },
    () => {
      for (const point of run.values()) emit(seriesPoint(point));
      run = new LastItems<RawPoint>(lastPerRun);
    },
  );
  if (total === 0 && views.length && options.path !== undefined) throw unknownPathError({ path: options.path, option: null, trackedOnly: true }, views, warn);
  return total;
}
