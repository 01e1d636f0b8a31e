/**
 * What the text chart (chart.ts) and the SVG chart (chart-svg.ts) share: the series, their
 * ranges (from the points where both x and y are finite; a flat range is widened by 10% of its
 * value, by 1 around zero), evenly spaced ticks and their labels, the series' letters, and the
 * finite stretches of a line.
 */
export interface ChartPoint {
  x: number;
  y: number;
}
/** One line of the chart; y may be NaN or ±Infinity, which leaves a gap. */
export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}
export interface ChartRange {
  min: number;
  max: number;
}
export interface ChartBounds {
  x: ChartRange;
  y: ChartRange;
}

/** What both charts say around the plot, and how y is drawn. */
export interface ChartLabels {
  xLabel: string;
  yLabel: string;
  title?: string;
  /** How an x tick reads (a time of day, say); default: a compact number. */
  formatX?: (value: number) => string;
  /** y on a log scale: ticks at powers of ten; a value at or below zero is a gap. */
  logY?: boolean;
}

/** The x and y ranges of every finite point, flat ranges widened; null when there is none. */
export function chartBounds(series: ChartSeries[]): ChartBounds | null {
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { points } of series) {
    for (const { x, y } of points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      [xMin, xMax, yMin, yMax] = [Math.min(xMin, x), Math.max(xMax, x), Math.min(yMin, y), Math.max(yMax, y)];
    }
  }
  if (xMin > xMax) return null;
  return { x: widened(xMin, xMax), y: widened(yMin, yMax) };
}

function widened(min: number, max: number): ChartRange {
  if (min < max) return { min, max };
  const margin = min === 0 ? 1 : Math.abs(min) / 10;
  return { min: min - margin, max: max + margin };
}

/** Where a value lies in a range, 0 at min and 1 at max (halved first, so no span overflows). */
export function fraction(value: number, range: ChartRange): number {
  return (value / 2 - range.min / 2) / (range.max / 2 - range.min / 2);
}

/**
 * The range widened to round ends, so that `count` evenly spaced ticks from its min to its max are
 * round numbers (steps of 1, 2 or 5 times a power of ten, or 2.5 when that keeps them evenly spaced).
 */
export function roundRange(range: ChartRange, count: number): ChartRange {
  if (count < 2 || !(range.max > range.min)) return range;
  const rough = (range.max - range.min) / (count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const factor of [1, 2, 2.5, 5, 10, 20, 25, 50, 100]) {
    const step = factor * power;
    const min = Math.floor(range.min / step + 1e-9) * step;
    const max = min + step * (count - 1);
    if (max >= range.max - step * 1e-9) return { min: cleanNumber(min, step), max: cleanNumber(max, step) };
  }
  return range;
}

/** A multiple of `step` without the float noise of its arithmetic (0.30000000000000004 -> 0.3). */
function cleanNumber(value: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(value.toFixed(Math.min(20, digits)));
}

/** The y values as drawn: on a log scale their log10, a value at or below zero a gap. */
export function drawnSeries(series: ChartSeries[], logY: boolean | undefined): ChartSeries[] {
  if (!logY) return series;
  return series.map((s) => ({ ...s, points: s.points.map(({ x, y }) => ({ x, y: y > 0 ? Math.log10(y) : Number.NaN })) }));
}

/**
 * The y axis of a drawn range: widened to round ends, its ticks (evenly spaced, as drawn; `count`
 * of them, or one more or fewer when that fits the range more tightly) and their labels. On a log scale the range is in decades and the ticks are whole powers of ten,
 * labelled by their value (0.001, 1, 1e5).
 */
export function yScale(range: ChartRange, count: number, logY: boolean | undefined): { range: ChartRange; ticks: number[]; labels: string[] } {
  if (!logY) {
    // One tick more or fewer when that wastes less of the plot (0.3 to 2.3 reads 0 to 2.5, not 0 to 4).
    let best = { count, round: roundRange(range, count) };
    for (const other of [count + 1, count - 1].filter((n) => n >= 2)) {
      const round = roundRange(range, other);
      if (round.max - round.min < best.round.max - best.round.min) best = { count: other, round };
    }
    const ticks = linearTicks(best.round, best.count);
    return { range: best.round, ticks, labels: formatTicks(ticks) };
  }
  const min = Math.floor(range.min + 1e-9);
  const decades = Math.max(1, Math.ceil(range.max - 1e-9) - min);
  const step = Math.ceil(decades / Math.max(1, count));
  const ticks = Array.from({ length: Math.ceil(decades / step) + 1 }, (_, j) => min + j * step);
  return { range: { min, max: ticks.at(-1)! }, ticks, labels: formatTicks(ticks.map((t) => 10 ** t)) };
}

/** At most `count` round values (steps of 1, 2, 2.5 or 5 times a power of ten) from min to max. */
export function roundTicks(range: ChartRange, count: number): number[] {
  if (count < 2 || !(range.max > range.min)) return linearTicks(range, count);
  const power = 10 ** Math.floor(Math.log10((range.max - range.min) / (count - 1)));
  for (const factor of [1, 2, 2.5, 5, 10, 20, 25, 50]) {
    const step = factor * power;
    const first = Math.ceil(range.min / step - 1e-9);
    const last = Math.floor(range.max / step + 1e-9);
    if (last - first + 1 <= count) return Array.from({ length: last - first + 1 }, (_, j) => cleanNumber((first + j) * step, step));
  }
  return linearTicks(range, count);
}

/**
 * The x ticks of both charts and their labels: at most `count` round values inside the range, or,
 * when the caller formats x (times of day, in ms since the epoch), at most `count` round times.
 */
export function xTicks(range: ChartRange, count: number, formatX?: (value: number) => string): { ticks: number[]; labels: string[] } {
  if (formatX) {
    const ticks = timeTicks(range, count);
    return { ticks, labels: ticks.map(formatX) };
  }
  const ticks = roundTicks(range, count);
  return { ticks, labels: formatTicks(ticks) };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Steps between round times of day, shortest first. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30]
  .map((n) => n * SECOND)
  .concat(
    [1, 2, 5, 10, 15, 30].map((n) => n * MINUTE),
    [1, 2, 3, 6, 12, 24, 48].map((n) => n * HOUR),
    [7 * 24 * HOUR],
  );

/**
 * At most `count` round times of day in the range (ms since the epoch): on whole seconds, minutes or
 * hours of the local clock (12:05, 12:10 ...; whole days at midnight); evenly spaced from end to
 * end when even the longest step gives more, or the range is shorter than two seconds.
 */
export function timeTicks(range: ChartRange, count: number): number[] {
  const offset = new Date(range.min).getTimezoneOffset() * MINUTE;
  for (const step of TIME_STEPS) {
    const first = Math.ceil((range.min - offset) / step) * step + offset;
    const last = Math.floor((range.max - offset) / step) * step + offset;
    const ticks = Math.floor((last - first) / step) + 1;
    if (ticks > count) continue;
    if (ticks < 2) break;
    return Array.from({ length: ticks }, (_, j) => first + j * step);
  }
  return linearTicks(range, count);
}

/** `count` evenly spaced values from min to max, both included. */
export function linearTicks(range: ChartRange, count: number): number[] {
  if (count < 2) return count === 1 ? [range.min] : [];
  const snap = (range.max / 2 - range.min / 2) * 1e-9;
  return Array.from({ length: count }, (_, j) => {
    const f = j / (count - 1);
    const value = range.min * (1 - f) + range.max * f;
    return Math.abs(value) < snap ? 0 : value;
  });
}

/** A compact number: up to `digits` significant digits, exponent form below 0.01 and from 1e5. */
export function formatTick(value: number, digits = 4): string {
  const rounded = Number(value.toPrecision(digits));
  if (rounded === 0 || !Number.isFinite(rounded)) return rounded === 0 ? "0" : String(rounded);
  const magnitude = Math.abs(rounded);
  if (magnitude >= 0.01 && magnitude < 1e5) return String(rounded);
  const [mantissa, exponent] = rounded.toExponential(digits - 1).split("e");
  return `${Number(mantissa)}e${Number(exponent)}`;
}

/** Tick labels of 4 significant digits, more when 4 would print two different values alike. */
export function formatTicks(values: number[]): string[] {
  const distinct = new Set(values).size;
  let labels = values.map((v) => formatTick(v));
  for (let digits = 5; digits <= 17 && new Set(labels).size < distinct; digits++) labels = values.map((v) => formatTick(v, digits));
  return labels;
}

const MARKERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The letter of the series at `index` (they repeat after 52 series). */
export function seriesMarker(index: number): string {
  return MARKERS[index % MARKERS.length]!;
}

/** The stretches of consecutive finite points, split where a point is not finite. */
export function finiteRuns(points: ChartPoint[]): ChartPoint[][] {
  const runs: ChartPoint[][] = [];
  let current: ChartPoint[] = [];
  for (const point of points) {
    if (Number.isFinite(point.x) && Number.isFinite(point.y)) current.push(point);
    else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
