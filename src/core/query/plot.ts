/** `exprag plot`: the series of one value path per run, as x/y points for a chart. */
import { shortId } from "../record/refs";
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
  /** x: the step (else the point's place in its run), the seconds since the run started, or ms since the epoch. */
  points: { x: number; y: number }[];
}

export interface Plot {
  series: PlotSeries[];
  /** Points whose value is not a number (an object, a string): kept as gaps. */
  notNumbers: number;
  points: number;
}

/** One series per run, in the order given; a value that is not a number is NaN, a gap. Memory: the x and y of each point. */
export function plotSeries(views: RunView[], steps: PathStep[], x: XAxis, warn: Warn): Plot {
  const byRun = new Map<string, PlotSeries>();
  for (const view of views) {
    const summary = view.summary();
    byRun.set(view.runId, { run_id: view.runId, short_id: shortId(view.runId), experiment_name: summary?.experiment_name ?? "", points: [] });
  }
  let notNumbers = 0;
  let points = 0;
  forEachPoint(views, steps, warn, (point) => {
    const run = byRun.get(point.view.runId)!;
    const y = asNumber(point.value);
    if (y === null) notNumbers++;
    points++;
    const at = x === "step" ? (point.step ?? run.points.length) : x === "elapsed" ? point.elapsedMs / 1000 : Date.parse(point.createdAt);
    run.points.push({ x: at, y: y ?? Number.NaN });
  });
  return { series: [...byRun.values()], notNumbers, points };
}
