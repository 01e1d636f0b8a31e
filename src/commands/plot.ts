import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { EXIT, UserError } from "../core/errors";
import { terminalSize } from "../core/os/posix";
import { chartPoints, type Plot, plotSeries, writePlotJson, X_AXES, type XAxis, xAt } from "../core/query/plot";
import { isFiltered, selectRuns } from "../core/query/selection";
import { parseLimit, parseSelection } from "../core/query/selection-flags";
import { parsePath } from "../core/query/value-paths";
import { log } from "../log";
import { renderTextChart } from "../render/chart";
import type { ChartSeries } from "../render/chart-scale";
import { renderSvgChart } from "../render/chart-svg";
import { wantsColor } from "../render/colors";
import { visible } from "../render/escape";
import { formatLocalTime } from "../render/format";
import { DataStream, printData } from "../render/output";
import { outputWidth } from "../render/width";
import { listArgs, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

/** Through a pipe (and when the terminal does not say): 80 columns, 20 lines. */
const PIPED = { width: 80, height: 20 };
const SVG = { width: 800, height: 450 };
/** The most points a chart draws of one run: several per column of the widest chart. */
const CHART_POINTS = 8192;

/** The x axis: its label, and how its ticks read. */
function xAxis(x: XAxis, plot: Plot): { label: string; format?: (value: number) => string } {
  if (x === "step") return { label: "step" };
  if (x === "elapsed") return { label: "elapsed (s)" };
  let [first, last] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const run of plot.series) {
    for (let i = 0; i < run.length; i++) {
      const x = xAt(run, i);
      if (Number.isFinite(x)) [first, last] = [Math.min(first, x), Math.max(last, x)];
    }
  }
  const span = first <= last ? last - first : 0;
  // Local time of day (with seconds within an hour); with the date (month-day) beyond a day.
  const [from, to] = span < 3_600_000 ? [11, 19] : span < 86_400_000 ? [11, 16] : [5, 16];
  const format = (ms: number) => formatLocalTime(new Date(ms).toISOString()).slice(from, to);
  const offset = first <= last ? formatLocalTime(new Date(first).toISOString()).slice(-6) : "";
  return { label: `time (${offset || "local"})`, format };
}

export default defineExpragCommand({
  name: "plot",
  description: "A line chart of one value path: the series of one or several runs, overlaid, drawn in the terminal or as SVG",
  args: {
    path: { type: "positional", description: "A numeric value path: metrics.loss, layers[].loss (a leading value. is fine)" },
    runs: { type: "positional", description: "Runs (default: the latest, or every run the selection keeps)", required: false },
    x: { type: "enum", options: [...X_AXES], description: "The x axis: step (default; a point's place when it has none), elapsed (seconds), time" },
    svg: { type: "string", description: "Write the chart as an SVG file instead (- for stdout)", valueHint: "FILE" },
    ...selectionArgs,
    ...listArgs,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag plot metrics.loss                              # the latest run
  exprag plot metrics.acc --name sweep --x elapsed      # every sweep run, overlaid
  exprag plot metrics.loss latest~1 latest --svg loss.svg

Each run is a line marked by a letter, named in the legend by what sets it apart: the params that
differ among the runs (lr=0.1 bs=32), else its name, else its short id; NaN and
infinite values are gaps. At a terminal the chart fits its width (COLUMNS) and is coloured;
through a pipe it is plain text, 80 columns by 20 lines. --limit N (default 20) caps the runs.

${WHERE_HELP}`,
  run({ args, store, warn }) {
    const steps = parsePath(args.path);
    const selection = parseSelection(args, args.runs);
    // Without runs named, a filter, --limit or --all: the latest run.
    const runLimit = args.runs.length || isFiltered(selection) || args.limit !== undefined || args.all ? parseLimit(args) : 1;
    const selected = selectRuns(store, selection, runLimit, warn);
    if (runLimit > 1 && selected.runs.length < selected.total)
      log.info(`plotting ${selected.runs.length} of ${selected.total} runs; use --all or --limit N for more`);
    const views = args.runs.length ? selected.runs : [...selected.runs].reverse();
    const plot = plotSeries(views, steps, args.x ?? "step", warn);
    if (plot.points === 0 && views.length) warn(`no ${args.path} in ${views.length === 1 ? "that run" : "those runs"}; see exprag paths`);
    else if (plot.notNumbers) warn(`${plot.notNumbers} of ${plot.points} values of ${args.path} are not numbers; they are left as gaps`);
    if (args.json) {
      const out = new DataStream();
      writePlotJson(plot, (text) => out.write(text));
      return out.end();
    }
    // The short id to cite, and what sets the line apart.
    const chart: ChartSeries[] = plot.series.map((s) => ({
      label: s.label === s.short_id ? s.short_id : `${s.short_id} ${visible(s.label)}`,
      points: chartPoints(s, CHART_POINTS),
    }));
    const axis = xAxis(args.x ?? "step", plot);
    const labels = { xLabel: axis.label, yLabel: visible(args.path), formatX: axis.format };
    if (args.svg !== undefined) {
      const svg = renderSvgChart(chart, { ...SVG, ...labels, title: visible(args.path) });
      if (args.svg === "-") return printData(svg);
      try {
        writeFileSync(args.svg, svg);
      } catch (error) {
        throw new UserError(`cannot write ${args.svg} (${(error as NodeJS.ErrnoException).code ?? error})`, EXIT.failure);
      }
      log.info(`wrote ${resolve(args.svg)}: ${chart.length} run${chart.length === 1 ? "" : "s"}, ${plot.points} points`);
      return;
    }
    printData(`${renderTextChart(chart, { ...chartSize(), ...labels, color: wantsColor(1) })}\n`);
  },
});

/** At a terminal its width (COLUMNS first) and a height that fits it; else COLUMNS or 80 by 20. */
function chartSize(): { width: number; height: number } {
  const terminal = terminalSize(1);
  const width = outputWidth(1) ?? PIPED.width;
  const height = terminal?.rows ? Math.min(24, Math.max(10, terminal.rows - 2)) : PIPED.height;
  return { width, height };
}
