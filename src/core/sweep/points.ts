/**
 * The points of `exprag sweep` and the commands they make, with no I/O.
 *
 * `--grid KEY=V1,V2,...` lists values; `--random N --range KEY=LO:HI[:log] --seed S` draws N points.
 * Together, every random draw is crossed with every grid point (draws vary slowest); grid flags
 * cross in the order given, the first varying slowest. `{KEY}` in the command is replaced by the
 * point's value; `{{` and `}}` are literal braces.
 */
import { usageError } from "../errors";

export type PointValue = number | string | boolean | null;
export type Point = Record<string, PointValue>;
export interface Grid {
  key: string;
  values: PointValue[];
}
export interface Range {
  key: string;
  low: number;
  high: number;
  log: boolean;
}
export interface SweepSpace {
  grids: Grid[];
  ranges: Range[];
}

/** Random draws keep 6 significant digits, so a command reads `--lr 0.00316228`, and the params match it. */
export const DRAW_DIGITS = 6;
const MAX_SEED = 2 ** 32 - 1;

/**
 * Parses `KEY=V1,V2,...`. Values are split on commas and trimmed; one that reads as a JSON number,
 * `true`, `false` or `null` takes that type, any other is the string as written (so `01` stays "01",
 * and `1e999`, too large for a double, and 12345678901234567890, an integer past its precision,
 * stay strings). The same value twice is an error.
 */
export function parseGrid(text: string): Grid {
  const { key, rest } = splitKey("--grid", text, "KEY=V1,V2,...");
  const words = rest.split(",").map((word) => word.trim());
  if (words.some((word) => word === "")) throw usageError(`--grid ${text}: a value is empty`, "e.g. --grid lr=0.1,0.03");
  const values = words.map(typedValue);
  // A set: a thousand values are checked at once, not each against all.
  const seen = new Set<string>();
  const repeated = words.find((_, index) => seen.size === seen.add(JSON.stringify(values[index])).size);
  if (repeated !== undefined) throw usageError(`--grid ${text}: ${repeated} is listed twice`);
  return { key, values };
}

/** Parses `KEY=LO:HI` or `KEY=LO:HI:log`; LO must be below HI, and above 0 for a log range. */
export function parseRange(text: string): Range {
  const { key, rest } = splitKey("--range", text, "KEY=LO:HI[:log]");
  const parts = rest.split(":");
  const fail = (why: string) => usageError(`--range ${text}: ${why}`, "e.g. --range lr=1e-4:1e-1:log or --range dropout=0:0.5");
  if (parts.length < 2 || parts.length > 3) throw fail("expects KEY=LO:HI or KEY=LO:HI:log");
  if (parts.length === 3 && parts[2] !== "log") throw fail(`the third part may only be log, got "${parts[2]}"`);
  const [low, high] = [parts[0]!, parts[1]!].map((part, index) => {
    const number = part.trim() === "" ? NaN : Number(part);
    if (!Number.isFinite(number)) throw fail(`${index === 0 ? "LO" : "HI"} is not a number`);
    return number;
  }) as [number, number];
  const log = parts.length === 3;
  if (!(low < high)) throw fail("LO must be below HI");
  if (log && low <= 0) throw fail("a log range needs LO above 0");
  return { key, low, high, log };
}

/** Parses every `--grid` and `--range` flag; a key may appear in only one of them. */
export function parseSweepSpace(gridTexts: string[], rangeTexts: string[]): SweepSpace {
  const space = { grids: gridTexts.map(parseGrid), ranges: rangeTexts.map(parseRange) };
  const keys = [...space.grids, ...space.ranges].map((flag) => flag.key);
  const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
  if (repeated !== undefined) throw usageError(`${repeated} is given by more than one --grid or --range`, "give each key once");
  return space;
}

/** Every combination of the grid values: the first grid varies slowest; no grids give one empty point. */
export function gridPoints(grids: Grid[]): Point[] {
  let entries: [string, PointValue][][] = [[]];
  for (const grid of grids) {
    entries = entries.flatMap((prefix) => grid.values.map((value) => [...prefix, [grid.key, value] as [string, PointValue]]));
  }
  return entries.map((pairs) => Object.fromEntries(pairs));
}

/**
 * `count` points drawn from the ranges, the same for the same seed and ranges (in the same order).
 * A draw is uniform over [LO, HI], in log space for a log range, then kept to DRAW_DIGITS
 * significant digits (and never outside [LO, HI]).
 */
export function randomPoints(count: number, ranges: Range[], seed: number): Point[] {
  if (!Number.isInteger(count) || count < 1) throw usageError(`--random must be a positive whole number, got ${count}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw usageError(`--seed must be a whole number from 0 to ${MAX_SEED}, got ${seed}`);
  }
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => Object.fromEntries(ranges.map((range) => [range.key, draw(range, next())])));
}

/**
 * The points of one sweep: the grid alone, the draws alone, or each draw crossed with the grid.
 * A point holds the grid keys first, then the range keys. `--range` needs `--random`, and
 * `--random` needs a `--range`.
 */
export function sweepPoints(space: SweepSpace, random?: { count: number; seed: number }): Point[] {
  if (space.ranges.length > 0 && !random) throw usageError("--range needs --random N, the number of points to draw");
  if (random && space.ranges.length === 0) throw usageError("--random needs at least one --range KEY=LO:HI");
  if (!random && space.grids.length === 0) throw usageError("nothing to sweep", "give --grid KEY=V1,V2,... or --random N with --range KEY=LO:HI");
  const grid = gridPoints(space.grids);
  const draws = random ? randomPoints(random.count, space.ranges, random.seed) : [{}];
  return draws.flatMap((drawn) => grid.map((point) => ({ ...point, ...drawn })));
}

/**
 * Replaces `{KEY}` anywhere inside the words of a command (several per word are fine) with the
 * point's value as `renderValue` writes it. `{{` and `}}` are literal braces; any other brace, or
 * a placeholder naming no key of the point, is a usage error. `unusedKeys` lists the point's keys
 * the command never names, so the caller can warn (their values are still the run's params).
 */
export function substitute(command: string[], point: Point): { command: string[]; unusedKeys: string[] } {
  const used = new Set<string>();
  const known = Object.keys(point);
  const replaced = command.map((word) =>
    word.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (match, key: string | undefined) => {
      if (match === "{{" || match === "}}") return match[0]!;
      if (key === undefined) throw usageError(`a lone ${match} in "${word}"`, `write ${match}${match} for a literal brace`);
      if (!Object.hasOwn(point, key)) {
        throw usageError(`the command names {${key}}, which no --grid or --range gives (known: ${known.join(", ")})`, "write {{ and }} for literal braces");
      }
      used.add(key);
      return renderValue(point[key]!);
    }),
  );
  return { command: replaced, unusedKeys: known.filter((key) => !used.has(key)) };
}

/**
 * A value as it goes into a command: strings as they are, numbers as JavaScript's shortest
 * round-trip form (the same as JSON: `0.03`, `0.00001`, `1e-7`), booleans and null as their JSON words.
 */
export function renderValue(value: PointValue): string {
  return typeof value === "string" ? value : String(value);
}

/** `lr=0.1 bs=32`, for summaries. */
export function describePoint(point: Point): string {
  return Object.entries(point)
    .map(([key, value]) => `${key}=${renderValue(value)}`)
    .join(" ");
}

function splitKey(flag: string, text: string, form: string): { key: string; rest: string } {
  const equals = text.indexOf("=");
  const key = equals < 0 ? "" : text.slice(0, equals).trim();
  if (key === "") throw usageError(`${flag} expects ${form}, got "${text}"`);
  if (/[{}\s]/.test(key)) throw usageError(`${flag} ${text}: a key may not hold braces or spaces`);
  return { key, rest: text.slice(equals + 1) };
}

function typedValue(word: string): PointValue {
  try {
    const value: unknown = JSON.parse(word);
    // An integer past double precision (a seed) would reach the command changed: it stays the text.
    if (typeof value === "number" && Number.isFinite(value) && (Number.isSafeInteger(value) || !/^-?\d+$/.test(word))) return value;
    if (typeof value === "boolean" || value === null) return value;
  } catch {}
  return word;
}

function draw(range: Range, unit: number): number {
  const { low, high } = range;
  const span = high - low;
  // A range as wide as -1e308:1e308 has no finite span: weighted ends instead (the same draws otherwise, seed for seed).
  const linear = Number.isFinite(span) ? low + unit * span : low * (1 - unit) + high * unit;
  const value = range.log ? Math.exp(Math.log(low) + unit * (Math.log(high) - Math.log(low))) : linear;
  return Math.min(high, Math.max(low, Number(value.toPrecision(DRAW_DIGITS))));
}

/** mulberry32: a small 32-bit generator, returning numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}
