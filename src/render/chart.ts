/**
 * Line charts of value series, drawn as text for a terminal or a plain log (the SVG form is in
 * chart-svg.ts; both take their ranges, ticks and letters from chart-scale.ts).
 *
 * How the text chart reads:
 * - Each series is a line of braille dots (2x4 dots per cell). Points are joined in the order
 *   given; a point whose x or y is not finite (NaN, ±Infinity) leaves a gap. A lone finite point is
 *   one dot.
 * - Each series has a letter (`seriesMarker`: a, b, c, ...), shown in its legend line and in the
 *   cell just right of its last finite point (the plot keeps a last column free for it), so the
 *   lines can be told apart without colour. A letter covers any dots in its cell; one that would
 *   cover another letter moves to the nearest row free of letters. When the longest label fits
 *   whole in a third of the width and the plot keeps 40 columns, each label also stands beside the
 *   plot on its letter's row (the nearest free row when lines end on the same one), in its colour.
 * - With `color`, each drawn cell takes its series' colour (ANSI SGR 36, 33, 35, 32, 34, 31, in
 *   turn; the end of a colour is SGR 39). Where series share a cell their dots are merged and the
 *   cell has the colour of the later series. Without `color` the text is the same,
 *   without escape codes.
 * - The y axis labels its top row with the largest value, its bottom row with the smallest and
 *   rows between with evenly spaced values: a label means that level lies within that row. The x
 *   axis labels its first, middle and last positions (the middle one only when there is room).
 * - Ranges come from the points where both x and y are finite; a flat range is widened by 10% of
 *   its value (by 1 around zero). Without any finite point the frame says "no finite values".
 * - Every line fits `width` columns and has no trailing spaces; `height` is met unless the legend
 *   (one line per series) leaves fewer than 3 rows for the plot. Control characters in labels
 *   become "?".
 */

import {
  type ChartBounds,
  type ChartLabels,
  type ChartRange,
  type ChartSeries,
  chartBounds,
  drawnSeries,
  finiteRuns,
  formatTicks,
  fraction,
  linearTicks,
  seriesMarker,
  yScale,
} from "./chart-scale";

/** Sizes are terminal cells for the whole chart, axes and legend included. */
export interface ChartOptions extends ChartLabels {
  width: number;
  height: number;
  color?: boolean;
}
const SERIES_SGR = [36, 33, 35, 32, 34, 31];
// The bit of each dot of a braille cell, by dot row (0-3) then dot column (0-1).
const DOT_BITS = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];
const MIN_PLOT_ROWS = 3;
/** The fewest plot columns left when labels take a column beside the plot. */
const MIN_PLOT_COLS = 40;
const NO_DATA = "no finite values";

/** A piece of a line, in the colour of the series `owner` when it has one. */
interface Segment {
  text: string;
  owner?: number;
}

interface Canvas {
  cols: number;
  rows: number;
  bits: Uint8Array;
  owner: Int32Array;
  letters: Map<number, string>;
  /** The row of each series' letter (where its line ends); -1 without a finite point. */
  ends: number[];
}

/** The chart as text lines joined by "\n" (see the module comment for how it reads). */
export function renderTextChart(given: ChartSeries[], options: ChartOptions): string {
  const width = Math.max(1, Math.floor(options.width));
  const series = drawnSeries(given, options.logY);
  const bounds = chartBounds(series);
  const [title, yLabel, xLabel] = [options.title ?? "", options.yLabel, options.xLabel].map((text) => clipText(cleanLabel(text), width));
  const legend = series.map((s, i): Segment[] => [{ text: `${seriesMarker(i)} ▬`, owner: i }, { text: clipText(` ${cleanLabel(s.label)}`, width - 3) }]);
  const fixedLines = [title, yLabel, xLabel].filter(Boolean).length + (bounds ? 2 : 1) + legend.length;
  const rows = Math.max(MIN_PLOT_ROWS, Math.floor(options.height) - fixedLines);

  const yCount = rows >= 10 ? 5 : rows >= 7 ? 4 : 3;
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

function drawCanvas(series: ChartSeries[], bounds: ChartBounds | null, cols: number, rows: number): Canvas {
  const canvas: Canvas = {
    cols,
    rows,
    bits: new Uint8Array(cols * rows),
    owner: new Int32Array(cols * rows).fill(-1),
    letters: new Map(),
    ends: series.map(() => -1),
  };
  if (!bounds) {
    const note = NO_DATA.slice(0, cols);
    const start = (rows >> 1) * cols + ((cols - note.length) >> 1);
    for (const [i, ch] of [...note].entries()) canvas.letters.set(start + i, ch);
    return canvas;
  }
  const dotCols = dotColumns(cols) * 2;
  series.forEach(({ points }, index) => {
    let last: [number, number] | undefined;
    for (const run of finiteRuns(points)) {
      let previous: [number, number] | undefined;
      for (const { x, y } of run) {
        const dot: [number, number] = [dotIndex(fraction(x, bounds.x), dotCols), dotIndex(1 - fraction(y, bounds.y), rows * 4)];
        drawSegment(canvas, previous ?? dot, dot, index);
        previous = last = dot;
      }
    }
    if (last) placeLetter(canvas, Math.min(cols - 1, (last[0] >> 1) + 1), last[1] >> 2, index);
  });
  return canvas;
}

/** A series' letter in a cell of `col`: at `row`, else the nearest row without a letter yet. */
function placeLetter(canvas: Canvas, col: number, row: number, owner: number): void {
  let cell = row * canvas.cols + col;
  for (let step = 0; step < 2 * canvas.rows; step++) {
    const candidate = row + (step % 2 === 1 ? (step + 1) / 2 : -step / 2);
    if (candidate < 0 || candidate >= canvas.rows || canvas.letters.has(candidate * canvas.cols + col)) continue;
    cell = candidate * canvas.cols + col;
    break;
  }
  canvas.letters.set(cell, seriesMarker(owner));
  canvas.owner[cell] = owner;
  canvas.ends[owner] = Math.floor(cell / canvas.cols);
}

/** Beside the plot, the row of each series' label: its letter's row, else the nearest free one below (or above, at the bottom). */
function labelRows(ends: number[], rows: number): Map<number, number> {
  const order = ends.flatMap((row, owner) => (row >= 0 ? [{ row, owner }] : [])).sort((a, b) => a.row - b.row || a.owner - b.owner);
  const placed = order.map((end) => end.row);
  placed.forEach((row, i) => {
    placed[i] = Math.max(row, i ? placed[i - 1]! + 1 : 0);
  });
  for (let i = placed.length - 1; i >= 0; i--) placed[i] = Math.min(placed[i]!, i === placed.length - 1 ? rows - 1 : placed[i + 1]! - 1);
  return new Map(order.flatMap((end, i) => (placed[i]! >= 0 ? [[placed[i]!, end.owner] as [number, number]] : [])));
}

/** The columns that hold dots: the last one is kept for the letter after a line's end. */
function dotColumns(cols: number): number {
  return Math.max(1, cols - 1);
}

/** The dot (0..count-1) at a fraction of the way along an axis of `count` dots. */
function dotIndex(f: number, count: number): number {
  return Math.min(count - 1, Math.max(0, Math.round(f * (count - 1))));
}

/** Bresenham's line from one dot to another, both included. */
function drawSegment(canvas: Canvas, [x0, y0]: [number, number], [x1, y1]: [number, number], owner: number): void {
  const [dx, dy, sx, sy] = [Math.abs(x1 - x0), -Math.abs(y1 - y0), x0 < x1 ? 1 : -1, y0 < y1 ? 1 : -1];
  let error = dx + dy;
  for (;;) {
    const cell = (y0 >> 2) * canvas.cols + (x0 >> 1);
    canvas.bits[cell]! |= DOT_BITS[y0 & 3]![x0 & 1]!;
    canvas.owner[cell] = owner;
    if (x0 === x1 && y0 === y1) return;
    const doubled = 2 * error;
    if (doubled >= dy) [error, x0] = [error + dy, x0 + sx];
    if (doubled <= dx) [error, y0] = [error + dx, y0 + sy];
  }
}

/** A canvas row as segments, consecutive cells of one series merged. */
function canvasRow(canvas: Canvas, row: number): Segment[] {
  const segments: Segment[] = [];
  for (let col = 0; col < canvas.cols; col++) {
    const cell = row * canvas.cols + col;
    const bits = canvas.bits[cell]!;
    const text = canvas.letters.get(cell) ?? (bits ? String.fromCharCode(0x2800 + bits) : " ");
    const owner = canvas.owner[cell]! >= 0 ? canvas.owner[cell] : undefined;
    const last = segments[segments.length - 1];
    if (last && last.owner === owner) last.text += text;
    else segments.push({ text, owner });
  }
  return segments;
}

/** x ticks at the first, last and middle dot columns, each kept only if it fits beside the others. */
function placeXTicks(range: ChartRange, cols: number, formatX?: (value: number) => string): { col: number; start: number; label: string }[] {
  const ticks = linearTicks(range, 3);
  const labels = formatX ? ticks.map((value) => cleanLabel(formatX(value))) : formatTicks(ticks);
  const col = (f: number) => dotIndex(f, dotColumns(cols) * 2) >> 1;
  const candidates = [
    { col: 0, start: 0, label: labels[0]! },
    { col: col(1), start: col(1) + 1 - labels[2]!.length, label: labels[2]! },
    { col: col(0.5), start: col(0.5) - (labels[1]!.length >> 1), label: labels[1]! },
  ];
  const placed: typeof candidates = [];
  for (const tick of candidates) {
    const end = tick.start + tick.label.length;
    const clear = placed.every((other) => end < other.start || tick.start > other.start + other.label.length);
    if (tick.start >= 0 && end <= cols && clear) placed.push(tick);
  }
  return placed;
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
