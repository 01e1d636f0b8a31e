/** `exprag plot`: the series of one value path per run, as x/y points for a chart. */

import { usageError } from "../errors";
import { shortId } from "../record/refs";
import { differing } from "./compare";
import { flattenValues } from "./flatten";
import type { Warn } from "./records";
import type { RunView } from "./run-view";
import { asNumber, jsonNumber, type PathStep, parsePath, valuesAt } from "./value-paths";
import { forEachPoint } from "./values";

export const X_AXES = ["step", "elapsed", "time"] as const;
/** The x axis: a point's step, its run's elapsed seconds, its time, or the value at a tracked path of the same record. */
export type XAxis = (typeof X_AXES)[number] | { path: string; steps: PathStep[] };

/** `--x`: one of X_AXES by name, else a tracked path (`epoch`, `metrics.tokens`). */
export function parseXAxis(text: string | undefined): XAxis {
  if (text === undefined) return "step";
  if ((X_AXES as readonly string[]).includes(text)) return text as XAxis;
  return { path: text, steps: parsePath(text) };
}

/** How the chart's y values are drawn: a trailing moving average over `smooth` points (1: none), on a log scale. */
export interface PlotShape {
  smooth: number;
  logY: boolean;
}

/** The widest moving average: its window is held in memory. */
const MAX_SMOOTH = 100_000;

/** `--smooth N`: a whole number of points, 1 to MAX_SMOOTH. */
export function parseSmooth(text: string | undefined): number {
  if (text === undefined) return 1;
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > MAX_SMOOTH) throw usageError(`--smooth must be a whole number of points, 1 to ${MAX_SMOOTH}, got "${text}"`);
  return count;
}

/** A run's line: what names it. */
export interface PlotHead {
  run_id: string;
  short_id: string;
  experiment_name: string;
  /** What tells this line apart from the others: the params that differ (`lr=0.1 bs=32`), else the name (a single run's too), else the short id. */
  label: string;
}

export interface PlotSeries extends PlotHead {
  /** What a chart draws of the series: see ChartSampler. x: the step (else the point's place in its run), the seconds since the run started, or ms since the epoch. */
  points: { x: number; y: number }[];
  /** How many points the series has. */
  length: number;
  /** The lowest and highest finite x; null when none is. */
  xRange: [number, number] | null;
}

export interface Plot {
  series: PlotSeries[];
  /** Points whose value is not a number (an object, a string): kept as gaps. */
  notNumbers: number;
  points: number;
  /** Points left out because their record has no number at the --x path. */
  noX: number;
  /** On a log scale: finite values at or below zero, left as gaps. */
  nonPositive: number;
}

/**
 * One series per run, in the order given, as a chart of at most about `maxPoints` points a run
 * draws it; a value that is not a number is NaN, a gap (null in --json). Memory is bounded by `maxPoints`, not the runs.
 */
export function plotSeries(views: RunView[], steps: PathStep[], x: XAxis, maxPoints: number, warn: Warn, shape: PlotShape = { smooth: 1, logY: false }): Plot {
  const samplers = views.map(() => new ChartSampler(maxPoints));
  const averages = views.map(() => new MovingAverage(shape.smooth));
  const heads = plotHeads(views);
  let nonPositive = 0;
  const counts = forEachXY(views, steps, x, warn, (run, at, raw) => {
    let y = averages[run]!.add(raw);
    if (shape.logY && y <= 0) {
      nonPositive++;
      y = Number.NaN;
    }
    samplers[run]!.add(at, y);
  });
  const series = heads.map((head, run) => ({ ...head, points: samplers[run]!.points(), length: samplers[run]!.length, xRange: samplers[run]!.xRange() }));
  return { series, ...counts, nonPositive };
}

/**
 * A trailing moving average: each value becomes the mean of the finite values among the last
 * `size` read (itself included); a value that is not finite stays a gap. Memory is `size` numbers.
 */
export class MovingAverage {
  private readonly window: Float64Array;
  private next = 0;
  private filled = 0;
  private sum = 0;
  private finite = 0;

  constructor(private readonly size: number) {
    this.window = new Float64Array(Math.max(1, size));
  }

  add(y: number): number {
    if (this.size <= 1) return y;
    if (this.filled === this.size) this.drop(this.window[this.next]!);
    else this.filled++;
    this.window[this.next] = y;
    this.next = (this.next + 1) % this.size;
    if (Number.isFinite(y)) [this.sum, this.finite] = [this.sum + y, this.finite + 1];
    // A running sum drifts; it is summed afresh once a window, which keeps the cost per point constant.
    if (this.next === 0) this.resum();
    return Number.isFinite(y) ? this.sum / this.finite : y;
  }

  private drop(y: number): void {
    if (Number.isFinite(y)) [this.sum, this.finite] = [this.sum - y, this.finite - 1];
  }

  private resum(): void {
    [this.sum, this.finite] = [0, 0];
    for (let i = 0; i < this.filled; i++) if (Number.isFinite(this.window[i]!)) [this.sum, this.finite] = [this.sum + this.window[i]!, this.finite + 1];
  }
}

/**
 * Every point of the series as `plot --json` gives it, written in pieces as they are read: never
 * the whole text, nor the points, at once.
 */
export function writePlotJson(views: RunView[], steps: PathStep[], x: XAxis, warn: Warn, write: (text: string) => void): Omit<Plot, "series" | "nonPositive"> {
  const heads = plotHeads(views);
  let written = -1;
  let inRun = 0;
  const open = (run: number) => {
    for (written++; written <= run; written++) {
      const head = JSON.stringify({ ...heads[written]!, points: [] }).slice(0, -2);
      write(`${written ? "]}," : ""}${head}`);
    }
    written = run;
    inRun = 0;
  };
  write("[");
  const counts = forEachXY(views, steps, x, warn, (run, at, y, isNumber) => {
    if (run !== written) open(run);
    // A value that is no number at all (text, an object) is null: a gap, not a NaN the run reported.
    write(`${inRun++ ? "," : ""}{"x":${JSON.stringify(at)},"y":${isNumber ? JSON.stringify(jsonNumber(y)) : "null"}}`);
  });
  if (heads.length) open(heads.length - 1);
  write(heads.length ? "]}]\n" : "]\n");
  return counts;
}

/** The runs' lines' names. */
function plotHeads(views: RunView[]): PlotHead[] {
  const labels = distinguishingLabels(views);
  return views.map((view) => ({
    run_id: view.runId,
    short_id: shortId(view.runId),
    experiment_name: view.summary()?.experiment_name ?? "",
    label: labels.get(view.runId)!,
  }));
}

/** Each point as x and y, with its run's place in `views`, runs in order; counts the points and those not numbers. */
function forEachXY(
  views: RunView[],
  steps: PathStep[],
  x: XAxis,
  warn: Warn,
  onPoint: (run: number, x: number, y: number, isNumber: boolean) => void,
): Omit<Plot, "series" | "nonPositive"> {
  const place = new Map(views.map((view, i) => [view.runId, i]));
  const lengths = views.map(() => 0);
  let notNumbers = 0;
  let points = 0;
  let noX = 0;
  forEachPoint(views, steps, warn, (point) => {
    const run = place.get(point.view.runId)!;
    const y = asNumber(point.value);
    let at: number;
    if (typeof x === "object") {
      const found = asNumber(valuesAt(point.tracked, x.steps)[0]);
      if (found === null) {
        noX++;
        return;
      }
      at = found;
    } else at = x === "step" ? (point.step ?? lengths[run]!) : x === "elapsed" ? point.elapsedMs / 1000 : Date.parse(point.createdAt);
    if (y === null) notNumbers++;
    points++;
    lengths[run]!++;
    onPoint(run, at, y ?? Number.NaN, y !== null);
  });
  return { notNumbers, points, noX };
}

/** Each run's label: the params that differ among the runs, else the name when names differ (or it is alone), else the short id; unique. */
function distinguishingLabels(views: RunView[]): Map<string, string> {
  const leaves = views.map((view) => Object.fromEntries(flattenValues(view.params()).filter(([key]) => key)));
  const keys = Object.keys(differing(leaves));
  const names = views.map((view) => view.summary()?.experiment_name ?? "");
  const namesDiffer = new Set(names).size > 1 || views.length === 1;
  const labels = views.map((view, i) => {
    const shortKey = (key: string) => key.slice(key.lastIndexOf(".") + 1);
    // Own keys only: a parameter named constructor or toString is not Object's.
    const ownValue = (key: string) => (Object.hasOwn(leaves[i]!, key) ? leaves[i]![key] : undefined);
    const params = keys
      .map((key) => `${shortKey(key)}=${ownValue(key) === undefined ? "-" : JSON.stringify(ownValue(key)).replace(/^"(.*)"$/, "$1")}`)
      .join(" ");
    return params || (namesDiffer && names[i] ? names[i]! : shortId(view.runId));
  });
  const seen = labels.map((label) => labels.filter((other) => other === label).length);
  return new Map(views.map((view, i) => [view.runId, seen[i]! > 1 ? `${labels[i]} ${shortId(view.runId)}` : labels[i]!]));
}

/** A bucket's slots: the index, x and y of its lowest point, its highest, and its first gap (index -1: none). */
const [LOW, HIGH, GAP, SLOTS] = [0, 3, 6, 9];

/**
 * What a chart of at most about `max` points draws of a series read once, in order: every point
 * while there are at most `max`; past that, each stretch of points by its lowest and highest (and a
 * gap when it holds one), in order, stretches doubling as the series grows. A chart shows no more
 * anyway, and memory stays that of `max` points whatever the length.
 */
export class ChartSampler {
  private readonly slots: Float64Array;
  private stretch = 1;
  private buckets = 0;
  length = 0;
  private xLow = Number.POSITIVE_INFINITY;
  private xHigh = Number.NEGATIVE_INFINITY;

  constructor(private readonly max: number) {
    this.slots = new Float64Array((Math.max(1, max) + 1) * SLOTS);
  }

  add(x: number, y: number): void {
    if (Number.isFinite(x)) [this.xLow, this.xHigh] = [Math.min(this.xLow, x), Math.max(this.xHigh, x)];
    const bucket = Math.floor(this.length / this.stretch);
    const at = bucket * SLOTS;
    if (bucket === this.buckets) {
      this.buckets++;
      for (const pick of [LOW, HIGH, GAP]) this.slots[at + pick] = -1;
    }
    const index = this.length++;
    if (Number.isNaN(y)) {
      if (this.slots[at + GAP]! < 0) this.set(at + GAP, index, x, y);
    } else {
      if (this.slots[at + LOW]! < 0 || y < this.slots[at + LOW + 2]!) this.set(at + LOW, index, x, y);
      if (this.slots[at + HIGH]! < 0 || y > this.slots[at + HIGH + 2]!) this.set(at + HIGH, index, x, y);
    }
    while (this.buckets > (this.stretch === 1 ? this.max : Math.max(1, Math.floor(this.max / 3)))) this.halve();
  }

  /** The points kept, in the order read. */
  points(): { x: number; y: number }[] {
    const kept: { x: number; y: number }[] = [];
    for (let at = 0; at < this.buckets * SLOTS; at += SLOTS) {
      const picks = [LOW, HIGH, GAP].map((pick) => at + pick).filter((slot) => this.slots[slot]! >= 0);
      picks.sort((a, b) => this.slots[a]! - this.slots[b]!);
      picks.forEach((slot, i) => {
        if (i === 0 || this.slots[slot] !== this.slots[picks[i - 1]!]) kept.push({ x: this.slots[slot + 1]!, y: this.slots[slot + 2]! });
      });
    }
    return kept;
  }

  xRange(): [number, number] | null {
    return this.xLow <= this.xHigh ? [this.xLow, this.xHigh] : null;
  }

  private set(slot: number, index: number, x: number, y: number): void {
    [this.slots[slot], this.slots[slot + 1], this.slots[slot + 2]] = [index, x, y];
  }

  /** Each pair of stretches becomes one, twice as long. */
  private halve(): void {
    const merged = Math.ceil(this.buckets / 2);
    for (let bucket = 0; bucket < merged; bucket++) {
      const [to, left, right] = [bucket * SLOTS, 2 * bucket * SLOTS, (2 * bucket + 1) * SLOTS];
      this.slots.copyWithin(to, left, left + SLOTS);
      if (2 * bucket + 1 >= this.buckets) continue;
      const better = (pick: number, wins: (a: number, b: number) => boolean) =>
        this.slots[right + pick]! >= 0 && (this.slots[to + pick]! < 0 || wins(this.slots[right + pick + 2]!, this.slots[to + pick + 2]!));
      if (better(LOW, (a, b) => a < b)) this.slots.copyWithin(to + LOW, right + LOW, right + LOW + 3);
      if (better(HIGH, (a, b) => a > b)) this.slots.copyWithin(to + HIGH, right + HIGH, right + HIGH + 3);
      if (better(GAP, () => false)) this.slots.copyWithin(to + GAP, right + GAP, right + GAP + 3);
    }
    this.buckets = merged;
    this.stretch *= 2;
  }
}
