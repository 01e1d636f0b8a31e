/**
 * Line charts of value series, drawn as text for a terminal or a plain log (the SVG form is in
 * chart-svg.ts; both take their ranges, ticks and letters from chart-scale.ts).
 *
 * How the text chart reads:
 * - Each series is a line of braille dots (2x4 dots per cell). Points are joined in the order
 *   given; a point whose x or y is not finite (NaN, ±Infinity) leaves a gap. A lone finite point is
 *   one dot.
 * - Each series has a letter (`seriesMarker`: a, b, c, ...), shown in its legend line and in the
 *   cell just right of its last finite point (the plot keeps a last column free for it). A letter
 *   covers any dots in its cell. Letters that would share a cell move apart to rows of their own,
 *   as little as they can, keeping the order of their lines' ends from top to bottom. With more
 *   than one series, each line also wears its letter along the way, about every 16 columns
 *   (staggered from series to series), in cells of its own line that no other line crosses and
 *   that have no other letter near, so the lines can be told apart without colour. When the
 *   longest label fits whole in a third of the width and the plot keeps 40 columns, each label also stands beside the
 *   plot on its letter's row (the nearest free row when lines end on the same one), in its colour.
 * - With `color`, each drawn cell takes its series' colour (ANSI SGR 36, 33, 35, 32, 34, 31, in
 *   turn; the end of a colour is SGR 39). Where series share a cell their dots are merged and the
 *   cell has the colour of the later series. Without `color` the text is the same,
 *   without escape codes.
 * - The y axis labels its top row with the largest value, its bottom row with the smallest and
 *   rows between with evenly spaced values: a label means that level lies within that row. The x
 *   axis has round ticks inside its range (as many as fit, at most X_TICKS; round times of the
 *   local clock when the caller formats x as times), each label centred under its tick, kept
 *   within the plot.
 * - Ranges come from the points where both x and y are finite; a flat range is widened by 10% of
 *   its value (by 1 around zero). Without any finite point the frame says "no finite values".
 * - Every line fits `width` columns and has no trailing spaces; `height` is met unless the legend
 *   (one line per series) leaves fewer than 3 rows for the plot. Control characters in labels
 *   become "?".
 */

import { canvasRow, dotColumns, dotIndex, drawCanvas, labelRows, type Segment } from "./chart-canvas";
import { type ChartLabels, type ChartRange, type ChartSeries, chartBounds, drawnSeries, fraction, seriesMarker, xTicks, yScale } from "./chart-scale";

/** Sizes are terminal cells for the whole chart, axes and legend included. */
export interface ChartOptions extends ChartLabels {
  width: number;
  height: number;
  color?: boolean;
}
const SERIES_SGR = [36, 33, 35, 32, 34, 31];
const MIN_PLOT_ROWS = 3;
/** The fewest plot columns left when labels take a column beside the plot. */
const MIN_PLOT_COLS = 40;
/** The most x ticks, as in the SVG chart. */
const X_TICKS = 5;

/** The chart as text lines joined by "\n" (see the module comment for how it reads). */
export function renderTextChart(given: ChartSeries[], options: ChartOptions): string {
  const width = Math.max(1, Math.floor(options.width));
  const series = drawnSeries(given, options.logY);
  const bounds = chartBounds(series);
  const [title, yLabel, xLabel] = [options.title ?? "", options.yLabel, options.xLabel].map((text) => clipText(cleanLabel(text), width));
  const legend = series.map((s, i): Segment[] => [{ text: `${seriesMarker(i)} ▬`, owner: i }, { text: clipText(` ${cleanLabel(s.label)}`, width - 3) }]);
  const fixedLines = [title, yLabel, xLabel].filter(Boolean).length + (bounds ? 2 : 1) + legend.length;
  const rows = Math.max(MIN_PLOT_ROWS, Math.floor(options.height) - fixedLines);

  // At most one tick a row, counting the one more yScale may take.
  const yCount = rows >= 10 ? 5 : rows >= 7 ? 4 : Math.min(3, rows - 1);
  const scale = bounds ? yScale(bounds.y, yCount, options.logY) : null;
  if (bounds && scale) bounds.y = scale.range;
  const [yTicks, yTickLabels] = [scale?.ticks ?? [], scale?.labels ?? []];
  const gutter = Math.max(0, ...yTickLabels.map((label) => label.length));
  const margin = gutter > 0 ? gutter + 1 : 0;
  const labels = series.map((s) => cleanLabel(s.label));
  const room = width - margin - 1 - MIN_PLOT_COLS;
  // Labels beside the plot only when the longest fits whole and the plot keeps its room.
  const longest = 1 + Math.max(0, ...labels.map((l) => Bun.stringWidth(l)));
  const labelCols = bounds && longest <= Math.min(room, Math.floor(width / 3)) ? longest : 0;
  const cols = Math.max(1, width - margin - 1 - labelCols);
  const canvas = drawCanvas(series, bounds, cols, rows);
  const endLabels = labelCols ? labelRows(canvas.ends, rows) : new Map<number, number>();
  const rowLabels = new Map(yTicks.map((_, j) => [dotIndex(1 - j / (yTicks.length - 1), rows * 4) >> 2, yTickLabels[j]!]));
  const centredOverPlot = (text: string) => {
    const used = Bun.stringWidth(text);
    return " ".repeat(Math.max(0, Math.min(margin + 1 + ((cols - used) >> 1), width - used))) + text;
  };

  const lines: Segment[][] = [];
  if (title) lines.push([{ text: centredOverPlot(title) }]);
  if (yLabel) lines.push([{ text: yLabel }]);
  for (let row = 0; row < rows; row++) {
    const label = rowLabels.get(row);
    const axis = label === undefined ? `${" ".repeat(margin)}│` : `${label.padStart(gutter)} ┤`;
    const owner = endLabels.get(row);
    const end: Segment[] = owner === undefined ? [] : [{ text: ` ${labels[owner]}`, owner }];
    lines.push([{ text: axis }, ...canvasRow(canvas, row), ...end]);
  }
  const xTicks = bounds ? placeXTicks(bounds.x, cols, options.formatX) : [];
  const axis = Array.from({ length: cols }, () => "─");
  const tickLine = Array.from({ length: cols }, () => " ");
  for (const { col, start, label } of xTicks) {
    axis[col] = "┬";
    tickLine.splice(start, label.length, ...label);
  }
  lines.push([{ text: `${" ".repeat(margin)}└${axis.join("")}` }]);
  if (bounds) lines.push([{ text: " ".repeat(margin + 1) + tickLine.join("") }]);
  if (xLabel) lines.push([{ text: centredOverPlot(xLabel) }]);
  lines.push(...legend);
  return lines.map((line) => serialize(fitSegments(line, width), options.color === true)).join("\n");
}

/**
 * The x ticks under the plot: as many as fit (at most X_TICKS, one per 6 columns; two while they
 * fit), each label centred under its tick's column, kept within the plot and two spaces from the next.
 */
function placeXTicks(range: ChartRange, cols: number, formatX?: (value: number) => string): { col: number; start: number; label: string }[] {
  const column = (value: number) => dotIndex(fraction(value, range), dotColumns(cols) * 2) >> 1;
  const place = (count: number) => {
    const { ticks, labels } = xTicks(range, count, formatX);
    return ticks.map((value, j) => {
      const [col, label] = [column(value), cleanLabel(labels[j]!)];
      return { col, start: Math.max(0, Math.min(col - (label.length >> 1), cols - label.length)), label };
    });
  };
  const apart = (ticks: { start: number; label: string }[]) =>
    ticks.every((tick, j) => tick.start + tick.label.length <= cols && (j === 0 || tick.start >= ticks[j - 1]!.start + ticks[j - 1]!.label.length + 2));
  for (let count = Math.max(2, Math.min(X_TICKS, Math.floor(cols / 6))); count > 2; count--) {
    const ticks = place(count);
    if (apart(ticks)) return ticks;
  }
  // Too narrow for all of them: those that fit, in order.
  const kept: { col: number; start: number; label: string }[] = [];
  for (const tick of place(2)) if (apart([...kept, tick])) kept.push(tick);
  return kept;
}

/** A label printable on one line: control characters and lone surrogates replaced. */
function cleanLabel(text: string): string {
  return text.toWellFormed().replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

/** Text cut to `width` columns, ending in "…" when it was cut. */
function clipText(text: string, width: number, ellipsis = "…"): string {
  if (Bun.stringWidth(text) <= width) return text;
  const chars = [...text];
  let count = chars.length;
  while (count > 0 && Bun.stringWidth(chars.slice(0, count).join("") + ellipsis) > width) count--;
  return count > 0 || Bun.stringWidth(ellipsis) <= width ? chars.slice(0, count).join("") + ellipsis : "";
}

function fitSegments(line: Segment[], width: number): Segment[] {
  const fitted: Segment[] = [];
  let room = width;
  for (const segment of line) {
    const used = Bun.stringWidth(segment.text);
    if (used > room) return [...fitted, { ...segment, text: clipText(segment.text, room, "") }];
    fitted.push(segment);
    room -= used;
  }
  return fitted;
}

function serialize(line: Segment[], color: boolean): string {
  const text = line
    .map(({ text, owner }) => (color && owner !== undefined && text ? `\x1b[${SERIES_SGR[owner % SERIES_SGR.length]}m${text}\x1b[39m` : text))
    .join("");
  return text.replace(/ +$/, "");
}
