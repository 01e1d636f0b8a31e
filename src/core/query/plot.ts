/** `exprag plot`: the series of one value path per run, as x/y points for a chart. */
import { shortId } from "../record/refs";
import { differing } from "./compare";
import { flattenValues } from "./flatten";
import type { Warn } from "./records";
import type { RunView } from "./run-view";
import { asNumber, type PathStep } from "./value-paths";
import { forEachPoint } from "./values";

export const X_AXES = ["step", "elapsed", "time"] as const;
export type XAxis = (typeof X_AXES)[number];

export interface PlotSeries {
  run_id: string;
  short_id: string;
  experiment_name: string;
  /** What tells this line apart from the others: the params that differ (`lr=0.1 bs=32`), else the name (a single run's too), else the short id. */
  label: string;
  /** x: the step (else the point's place in its run), the seconds since the run started, or ms since the epoch; in blocks of BLOCK. */
  xs: Float64Array[];
  ys: Float64Array[];
  /** How many points there are. */
  length: number;
}

/** Points are kept in blocks of this many: a series grows without copying what it holds. */
const BLOCK = 64 * 1024;

export const xAt = (run: PlotSeries, i: number) => run.xs[Math.floor(i / BLOCK)]![i % BLOCK]!;
export const yAt = (run: PlotSeries, i: number) => run.ys[Math.floor(i / BLOCK)]![i % BLOCK]!;

export interface Plot {
  series: PlotSeries[];
  /** Points whose value is not a number (an object, a string): kept as gaps. */
  notNumbers: number;
  points: number;
}

/** One series per run, in the order given; a value that is not a number is NaN, a gap. Memory: 16 bytes a point. */
export function plotSeries(views: RunView[], steps: PathStep[], x: XAxis, warn: Warn): Plot {
  const byRun = new Map<string, PlotSeries>();
  for (const view of views) {
    const summary = view.summary();
    byRun.set(view.runId, {
      run_id: view.runId,
      short_id: shortId(view.runId),
      experiment_name: summary?.experiment_name ?? "",
      label: "",
      xs: [],
      ys: [],
      length: 0,
    });
  }
  const labels = distinguishingLabels(views);
  for (const view of views) byRun.get(view.runId)!.label = labels.get(view.runId)!;
  let notNumbers = 0;
  let points = 0;
  forEachPoint(views, steps, warn, (point) => {
    const run = byRun.get(point.view.runId)!;
    const y = asNumber(point.value);
    if (y === null) notNumbers++;
    points++;
    const at = x === "step" ? (point.step ?? run.length) : x === "elapsed" ? point.elapsedMs / 1000 : Date.parse(point.createdAt);
    const [block, slot] = [Math.floor(run.length / BLOCK), run.length % BLOCK];
    if (slot === 0) {
      run.xs.push(new Float64Array(BLOCK));
      run.ys.push(new Float64Array(BLOCK));
    }
    run.xs[block]![slot] = at;
    run.ys[block]![slot] = y ?? Number.NaN;
    run.length++;
  });
  return { series: [...byRun.values()], notNumbers, points };
}

/** Each run's label: the params that differ among the runs, else the name when names differ (or it is alone), else the short id; unique. */
function distinguishingLabels(views: RunView[]): Map<string, string> {
  const leaves = views.map((view) => Object.fromEntries(flattenValues(view.params()).filter(([key]) => key)));
  const keys = Object.keys(differing(leaves));
  const names = views.map((view) => view.summary()?.experiment_name ?? "");
  const namesDiffer = new Set(names).size > 1 || views.length === 1;
  const labels = views.map((view, i) => {
    const shortKey = (key: string) => key.slice(key.lastIndexOf(".") + 1);
    const params = keys
      .map((key) => `${shortKey(key)}=${leaves[i]![key] === undefined ? "-" : JSON.stringify(leaves[i]![key]).replace(/^"(.*)"$/, "$1")}`)
      .join(" ");
    return params || (namesDiffer && names[i] ? names[i]! : shortId(view.runId));
  });
  const seen = labels.map((label) => labels.filter((other) => other === label).length);
  return new Map(views.map((view, i) => [view.runId, seen[i]! > 1 ? `${labels[i]} ${shortId(view.runId)}` : labels[i]!]));
}

/**
 * The series' points, at most about `max` of them: past that, each stretch of points is drawn by
 * its lowest and highest (and a gap when it holds one), in order. A chart shows no more anyway.
 */
export function chartPoints(run: PlotSeries, max: number): { x: number; y: number }[] {
  const point = (i: number) => ({ x: xAt(run, i), y: yAt(run, i) });
  if (run.length <= max) return Array.from({ length: run.length }, (_, i) => point(i));
  const stretch = Math.ceil(run.length / Math.max(1, Math.floor(max / 3)));
  const kept: { x: number; y: number }[] = [];
  for (let start = 0; start < run.length; start += stretch) {
    const end = Math.min(run.length, start + stretch);
    let [low, high, gap] = [-1, -1, -1];
    for (let i = start; i < end; i++) {
      const y = yAt(run, i);
      if (Number.isNaN(y)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (low < 0 || y < yAt(run, low)) low = i;
      if (high < 0 || y > yAt(run, high)) high = i;
    }
    for (const i of [...new Set([low, high, gap].filter((i) => i >= 0))].sort((a, b) => a - b)) kept.push(point(i));
  }
  return kept;
}

/** The series as `plot --json` gives it, in pieces for `write`: never the whole text at once. */
export function writePlotJson(plot: Plot, write: (text: string) => void): void {
  write("[");
  plot.series.forEach((run, r) => {
    const head = JSON.stringify({ run_id: run.run_id, short_id: run.short_id, experiment_name: run.experiment_name, label: run.label, points: [] }).slice(
      0,
      -2,
    );
    write(`${r ? "," : ""}${head}`);
    for (let i = 0; i < run.length; i++) write(`${i ? "," : ""}{"x":${JSON.stringify(xAt(run, i))},"y":${JSON.stringify(jsonNumber(yAt(run, i)))}}`);
    write("]}");
  });
  write("]\n");
}

/** A number for JSON: non-finite ones as the strings the store keeps them as. */
function jsonNumber(y: number): number | string {
  if (Number.isFinite(y)) return y;
  return Number.isNaN(y) ? "NaN" : y > 0 ? "Infinity" : "-Infinity";
}
