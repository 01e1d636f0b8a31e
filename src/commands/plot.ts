import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { EXIT, errnoReason, UserError, usageError } from "../core/errors";
import { terminalSize } from "../core/os/posix";
import { type Plot, parseSmooth, parseXAxis, plotSeries, writePlotJson, type XAxis } from "../core/query/plot";
import { isFiltered, selectRuns } from "../core/query/selection";
import { parseLimit, parseSelection } from "../core/query/selection-flags";
import { parsePath } from "../core/query/value-paths";
import { renderTextChart } from "../render/chart";
import type { ChartSeries } from "../render/chart-scale";
import { renderSvgChart } from "../render/chart-svg";
import { wantsColor } from "../render/colors";
import { visible } from "../render/escape";
import { formatLocalTime } from "../render/format";
import { log } from "../render/log";
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
  if (typeof x === "object") return { label: visible(x.path) };
  if (x === "step") return { label: "step" };
  if (x === "elapsed") return { label: "elapsed (s)" };
  let [first, last] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const { xRange } of plot.series) if (xRange) [first, last] = [Math.min(first, xRange[0]), Math.max(last, xRange[1])];
  const span = first <= last ? last - first : 0;
  // Local time of day (with seconds within an hour); with the date (month-day) beyond a day; the whole date beyond a year.
  const format = (ms: number) => {
    const [date = "", time = ""] = formatLocalTime(new Date(ms).toISOString()).split(" ");
    if (span < 3_600_000) return time;
    if (span < 86_400_000) return time.slice(0, 5);
    return span < 366 * 86_400_000 ? `${date.slice(-5)} ${time.slice(0, 5)}` : date;
  };
  const offset = first <= last ? formatLocalTime(new Date(first).toISOString()).slice(-6) : "";
  return { label: `time (${offset || "local"})`, format };
}

export default defineExpragCommand({
  name: "plot",
  description: "A line chart of one value path: the series of one or several runs, overlaid, drawn in the terminal or as SVG",
  args: {
    path: { type: "positional", description: "A numeric value path: metrics.loss, layers[].loss (a leading value. is fine)" },
    runs: { type: "positional", description: "Runs (default: the latest, or every run the selection keeps)", required: false },
    x: {
      type: "string",
      description:
        "The x axis: step (default; a point's place when it has none), elapsed (seconds), time, or any tracked path (epoch): records without it are skipped",
      valueHint: "AXIS",
    },
    "log-y": { type: "boolean", description: "y on a log scale; values at or below zero are gaps" },
    smooth: { type: "string", description: "Draw a trailing moving average over N points instead of the raw line", valueHint: "N" },
    svg: { type: "string", description: "Write the chart as an SVG file instead (- for stdout)", valueHint: "FILE" },
    size: { type: "string", description: "The SVG's size in pixels (default 800x450; taller when the legend of many runs needs the room)", valueHint: "WxH" },
    ...selectionArgs,
    ...listArgs,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag plot metrics.loss                                   # the latest run
  exprag plot metrics.acc --tag sweep:3f9c2a1b --x elapsed   # every run of a sweep, overlaid
  exprag plot metrics.loss latest~1 latest --svg loss.svg
  exprag plot metrics.loss --tag sweep:3f9c2a1b --x epoch --smooth 10 --log-y
  exprag plot metrics.acc --all --svg acc.svg --size 1200x700

Each run is a line marked by a letter where it ends and along the way (so the lines read apart
without colour), and named by what sets it apart: the params
that differ among the runs (lr=0.1 bs=32), else its name, else its short id; the name stands
beside the line's end when the chart is wide enough, and in the legend. In SVG each line has its
colour and dash pattern, its label at its end. NaN and
infinite values are gaps. --x PATH pairs each record's value at PATH with its y (records without
it are skipped); --smooth N averages each point with the N-1 before it; --json gives the raw
points whatever --smooth and --log-y say. At a terminal the chart fits its width (COLUMNS) and is coloured;
through a pipe it is plain text, 80 columns by 20 lines. --limit N (default 20) caps the runs.

${WHERE_HELP}`,
  run({ args, store, warn }) {
    const steps = parsePath(args.path);
    const x = parseXAxis(args.x);
    const shape = { smooth: parseSmooth(args.smooth), logY: args["log-y"] === true };
    const size = parseSvgSize(args.size);
    if (size && args.svg === undefined) throw usageError("--size sizes the SVG chart", "add --svg FILE");
    const selection = parseSelection(args, args.runs);
    // Without runs named, a filter, --limit or --all: the latest run.
    const runLimit = args.runs.length || isFiltered(selection) || args.limit !== undefined || args.all ? parseLimit(args) : 1;
    const selected = selectRuns(store, selection, runLimit, warn);
    if (runLimit > 1 && selected.runs.length < selected.total)
      log.info(`plotting ${selected.runs.length} of ${selected.total} runs; use --all or --limit N for more`);
    // A run named whose file cannot be read was warned of, and is left out.
    const readable = selected.runs.filter((view) => view.summary());
    const views = args.runs.length ? readable : readable.reverse();
    const those = views.length === 1 ? "that run" : "those runs";
    const counted = ({ points, notNumbers, noX }: Omit<Plot, "series" | "nonPositive">) => {
      if (points === 0 && noX && typeof x === "object") warn(`no ${x.path} beside ${args.path} in ${those}; see exprag paths`);
      else if (points === 0 && views.length) warn(`no ${args.path} in ${those}; see exprag paths`);
      else if (notNumbers) warn(`${notNumbers} of ${points} values of ${args.path} are not numbers; they are left as gaps`);
      if (points && noX && typeof x === "object") warn(`${noX} values of ${args.path} have no ${x.path} beside them; they are left out`);
    };
    if (args.json) {
      // Every point, written as it is read.
      const out = new DataStream();
      counted(writePlotJson(views, steps, x, warn, (text) => out.write(text)));
      return out.end();
    }
    const plot = plotSeries(views, steps, x, CHART_POINTS, warn, shape);
    counted(plot);
    if (plot.nonPositive) log.info(`${plot.nonPositive} values at or below zero are gaps on the log scale`);
    // The short id to cite, and what sets the line apart.
    const chart: ChartSeries[] = plot.series.map((s) => ({
      label: s.label === s.short_id ? s.short_id : `${s.short_id} ${visible(s.label)}`,
      points: s.points,
    }));
    const axis = xAxis(x, plot);
    const smoothed = shape.smooth > 1 ? ` (moving average of ${shape.smooth} points)` : "";
    const yLabel = `${visible(args.path)}${smoothed}${shape.logY ? ", log scale" : ""}`;
    const labels = { xLabel: axis.label, yLabel, formatX: axis.format, logY: shape.logY };
    if (args.svg !== undefined) {
      const svg = renderSvgChart(chart, { ...(size ?? SVG), ...labels, title: visible(args.path) + smoothed });
      if (args.svg === "-") return printData(svg);
      try {
        writeFileSync(args.svg, svg);
      } catch (error) {
        throw new UserError(`cannot write ${args.svg} (${errnoReason(error)})`, EXIT.failure);
      }
      log.info(`wrote ${resolve(args.svg)}: ${chart.length} run${chart.length === 1 ? "" : "s"}, ${plot.points} points`);
      return;
    }
    printData(`${renderTextChart(chart, { ...chartSize(), ...labels, color: wantsColor(1) })}\n`);
  },
});

/** `--size WxH`: the SVG's width and height in pixels, each from 100 to 10000. */
function parseSvgSize(text: string | undefined): { width: number; height: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{3,5})x(\d{3,5})$/.exec(text);
  const [width, height] = [Number(match?.[1]), Number(match?.[2])];
  if (!match || Math.min(width, height) < 100 || Math.max(width, height) > 10_000)
    throw usageError(`--size must be WIDTHxHEIGHT in pixels, each 100 to 10000, like 1200x700; got "${text}"`);
  return { width, height };
}

/** At a terminal its width (COLUMNS first) and a height that fits it; else COLUMNS or 80 by 20. */
function chartSize(): { width: number; height: number } {
  const terminal = terminalSize(1);
  const width = outputWidth(1) ?? PIPED.width;
  const height = terminal?.rows ? Math.min(24, Math.max(10, terminal.rows - 2)) : PIPED.height;
  return { width, height };
}
