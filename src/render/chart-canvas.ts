/**
 * The text chart's canvas: each series drawn as braille dots (2x4 to a cell), its letter where it
 * ends and along its length, and the rows its labels take beside the plot (see chart.ts for how the
 * chart reads).
 */
import { type ChartBounds, type ChartSeries, finiteRuns, fraction, seriesMarker } from "./chart-scale";

// The bit of each dot of a braille cell, by dot row (0-3) then dot column (0-1).
const DOT_BITS = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];
const NO_DATA = "no finite values";
/** About how many columns apart a line's letter recurs along it. */
const MARK_SPACING = 16;
const MARK_ROOM = 3;

/** A piece of a line, in the colour of the series `owner` when it has one. */
export interface Segment {
  text: string;
  owner?: number;
}

/** The plot's cells: their dots, which series drew each, and the letters placed on them. */
export interface Canvas {
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

export function drawCanvas(series: ChartSeries[], bounds: ChartBounds | null, cols: number, rows: number): Canvas {
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
export function labelRows(ends: number[], rows: number): Map<number, number> {
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
export function dotColumns(cols: number): number {
  return Math.max(1, cols - 1);
}

/** The dot (0..count-1) at a fraction of the way along an axis of `count` dots. */
export function dotIndex(f: number, count: number): number {
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
export function canvasRow(canvas: Canvas, row: number): Segment[] {
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
