/** `exprag plot`: the series of one value path per run, as x/y points for a chart. */
import { shortId } from "../record/refs";
import { differing } from "./compare";
import { flattenValues } from "./flatten";
import type { Warn } from "./records";
import type { RunView } from "./run-view";
import { asNumber, type PathStep } from "./value-paths";
import { series } from "./values";

export const X_AXES = ["step", "elapsed", "time"] as const;
export type XAxis = (typeof X_AXES)[number];

export interface PlotSeries {
  run_id: string;
  short_id: string;
  experiment_name: string;
  /** What tells this line apart from the others: the params that differ (`lr=0.1 bs=32`), else the name (a single run's too), else the short id. */
  label: string;
  /** x: the step (else the point's place in its run), the seconds since the run started, or ms since the epoch. */
  points: { x: number; y: number }[];
}

export interface Plot {
  series: PlotSeries[];
  /** Points whose value is not a number (an object, a string): kept as gaps. */
  notNumbers: number;
  points: number;
}

/** One series per run, in the order given; a value that is not a number is NaN, a gap. */
export function plotSeries(views: RunView[], steps: PathStep[], x: XAxis, warn: Warn): Plot {
  const { points } = series(views, steps, { lastPerRun: Number.POSITIVE_INFINITY, cap: Number.POSITIVE_INFINITY }, warn);
  const byRun = new Map<string, PlotSeries>();
  for (const view of views) {
    const summary = view.summary();
    byRun.set(view.runId, { run_id: view.runId, short_id: shortId(view.runId), experiment_name: summary?.experiment_name ?? "", label: "", points: [] });
  }
  const labels = distinguishingLabels(views);
  for (const view of views) byRun.get(view.runId)!.label = labels.get(view.runId)!;
  let notNumbers = 0;
  for (const point of points) {
    const run = byRun.get(point.run_id)!;
    const y = asNumber(point.value);
    if (y === null) notNumbers++;
    const at = x === "step" ? (point.step ?? run.points.length) : x === "elapsed" ? point.elapsed_ms / 1000 : Date.parse(point.created_at);
    run.points.push({ x: at, y: y ?? Number.NaN });
  }
  return { series: [...byRun.values()], notNumbers, points: points.length };
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
