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
 *   as little as they can, keeping the order of their lines' ends from top to bottom. With more than one series, each line also wears its letter along the way, about
 *   every MARK_SPACING columns (staggered from series to series), in cells of its own line that no
 *   other line crosses and that have no other letter near, so the lines can be told apart without
 *   colour. When the longest label fits
 *   whole in a third of the width and the plot keeps 40 columns, each label also stands beside the
 *   plot on its letter's row (the nearest free row when lines end on the same one), in its colour.
 * - With `color`, each drawn cell takes its series' colour (ANSI SGR 36, 33, 35, 32, 34, 31, in
 *   turn; the end of a colour is SGR 39). Where series share a cell their dots are merged and the
 *   cell has the colour of the later series. Without `color` the text is the same,
 *   without escape codes.
 * - The y axis labels its top row with the largest value, its bottom row with the smallest and
 *   rows between with evenly spaced values: a label means that level lies within that row. The x
 *   axis has round ticks inside its range (as many as fit, at most X_TICKS; evenly spaced
 *   ones from end to end when the caller formats x), each label centred under its tick, kept
 *   within the plot.
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
  fraction,
  seriesMarker,
  xTicks,
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
/** About how many columns apart a line's letter recurs along it. */
const MARK_SPACING = 16;
const MARK_ROOM = 3;
/** The most x ticks, as in the SVG chart. */
const X_TICKS = 5;

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
  /** 1 where more than one series drew. */
  shared: Uint8Array;
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

function drawCanvas(series: ChartSeries[], bounds: ChartBounds | null, cols: number, rows: number): Canvas {
  const canvas: Canvas = {
    cols,
    rows,
    bits: new Uint8Array(cols * rows),
    owner: new Int32Array(cols * rows).fill(-1),
    shared: new Uint8Array(cols * rows),
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
  const ends: { owner: number; col: number; dot: number }[] = [];
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
    if (last) ends.push({ owner: index, col: Math.min(cols - 1, (last[0] >> 1) + 1), dot: last[1] });
  });
  for (const col of new Set(ends.map((end) => end.col))) {
    const here = ends.filter((end) => end.col === col).sort((a, b) => a.dot - b.dot || a.owner - b.owner);
    spreadRows(
      here.map((end) => end.dot >> 2),
      rows,
    ).forEach((row, i) => {
      if (row < 0) return;
      const { owner } = here[i]!;
      canvas.letters.set(row * cols + col, seriesMarker(owner));
      canvas.owner[row * cols + col] = owner;
      canvas.ends[owner] = row;
    });
  }
  if (series.length > 1) for (let index = 0; index < series.length; index++) placeMarks(canvas, index, series.length);
  return canvas;
}

/**
 * The series' letter along its line: near every MARK_SPACING-th column (staggered by series), in
 * a cell only this series drew, with no letter within MARK_ROOM columns on its row or the rows
 * beside it and none of its own within half a spacing; the middle such cell of a column. A line
 * that finds no such cell near those places takes the one nearest the middle, if it has one.
 */
function placeMarks(canvas: Canvas, owner: number, count: number): void {
  const { cols, rows } = canvas;
  const lanes = Math.min(count, MARK_SPACING >> 1);
  const offset = Math.round((((owner % lanes) + 0.5) * MARK_SPACING) / lanes);
  const reach = Math.floor(MARK_SPACING / 3);
  const own = (cell: number) => canvas.owner[cell] === owner && !canvas.shared[cell] && canvas.bits[cell]! > 0;
  // Another letter this close would read as one word with it, or crowd it.
  const crowded = (row: number, col: number) => {
    for (let r = Math.max(0, row - 1); r <= Math.min(rows - 1, row + 1); r++)
      for (let c = Math.max(0, col - MARK_ROOM); c <= Math.min(cols - 1, col + MARK_ROOM); c++) if (canvas.letters.has(r * cols + c)) return true;
    return false;
  };
  // Its own letters (the end's and marks already placed) stay half a spacing apart.
  const mine = [...canvas.letters].flatMap(([cell, letter]) => (canvas.owner[cell] === owner && letter === seriesMarker(owner) ? [cell % cols] : []));
  const mark = (col: number): boolean => {
    if (col < 0 || col >= cols - 1 || mine.some((other) => Math.abs(other - col) < MARK_SPACING >> 1)) return false;
    const free = Array.from({ length: rows }, (_, row) => row).filter((row) => own(row * cols + col) && !crowded(row, col));
    if (free.length === 0) return false;
    canvas.letters.set(free[free.length >> 1]! * cols + col, seriesMarker(owner));
    mine.push(col);
    return true;
  };
  const marked = mine.length;
  // Near each staggered place; a line that found none there takes the first free cell from the middle out.
  for (let base = offset; base < cols - 1; base += MARK_SPACING) {
    for (let step = 0; step <= 2 * reach && !mark(base + (step % 2 === 1 ? (step + 1) / 2 : -step / 2)); step++);
  }
  for (let step = 0; mine.length === marked && step <= cols; step++) mark((cols >> 1) + (step % 2 === 1 ? (step + 1) / 2 : -step / 2));
}

/** Beside the plot, the row of each series' label: its letter's row, else the nearest free one below (or above, at the bottom). */
function labelRows(ends: number[], rows: number): Map<number, number> {
  const order = ends.flatMap((row, owner) => (row >= 0 ? [{ row, owner }] : [])).sort((a, b) => a.row - b.row || a.owner - b.owner);
  const placed = spreadRows(
    order.map((end) => end.row),
    rows,
  );
  return new Map(order.flatMap((end, i) => (placed[i]! >= 0 ? [[placed[i]!, end.owner] as [number, number]] : [])));
}

/**
 * Distinct rows (0..rows-1) for things wanted at `wanted` rows (in ascending order), in the same
 * order, each moved as little as it can; -1 for those that find no row left at the top.
 */
function spreadRows(wanted: number[], rows: number): number[] {
  const placed = [...wanted];
  placed.forEach((row, i) => {
    placed[i] = Math.max(row, i ? placed[i - 1]! + 1 : 0);
  });
  for (let i = placed.length - 1; i >= 0; i--) placed[i] = Math.min(placed[i]!, i === placed.length - 1 ? rows - 1 : placed[i + 1]! - 1);
  return placed.map((row) => (row >= 0 ? row : -1));
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
    if (canvas.owner[cell] !== owner && canvas.owner[cell]! >= 0) canvas.shared[cell] = 1;
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
