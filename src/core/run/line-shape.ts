/**
 * The shapes of the last record lines a PathProbe read: a line's bytes with the places of its
 * scalar values (numbers, strings, true, false, null). A program writes most of its records
 * alike, so a line that has the same bytes as a shape outside those places, and a valid scalar in
 * each, is checked by comparing it with the shape: it is then plain JSON (isPlainJson walks it as
 * it walked the shape's line, each scalar ending where the next bytes of the shape begin), and the
 * probe's values lie in the same places. This spares a stop rule's probe its walk of every key;
 * any other line takes the full check (isPlainJsonProbed), and its shape is kept for the next ones.
 */

import { QUOTE, skipScalar, skipSpace, skipString } from "./json-scalars";
import type { PathProbe } from "./path-probe";
import { isPlainJsonProbed } from "./plain-json";

/** A longer line, or one with more scalars, is not kept as a shape (a shape holds its copy). */
const MAX_SHAPE_BYTES = 4096;
const MAX_SLOTS = 256;
/** Shapes kept at once: records of a few kinds written in turn (train and eval) each keep theirs. */
const SHAPES = 8;
/**
 * A shape is replaced only when no line has fitted it for this many lines: records of more kinds
 * than SHAPES written in turn keep the shapes of SHAPES kinds, instead of each replacing the one
 * the next line needs.
 */
const STALE_LINES = 64;
/**
 * The shapes are rationed by a credit: a line that fits one earns HIT_CREDIT, a shape tried in
 * vain costs 1, a shape kept KEEP_COST (about what each costs against what a fitting line saves). Without
 * credit, only one line in TRY_EVERY tries the shapes (and keeps its own): records that seldom
 * repeat a shape then cost little more than the full check, and regain credit once they do.
 */
const KEEP_COST = 16;
const FIRST_CREDIT = 16 * KEEP_COST;
const MAX_CREDIT = 1024;
const TRY_EVERY = 64;
const HIT_CREDIT = 2;

export class LineShapes {
  private readonly shapes = Array.from({ length: SHAPES }, () => new Shape());
  /** The shape the last fitting line had. */
  private last = 0;
  /** Per shape: the shape the line after one of its lines had, tried first after it (-1: none yet). */
  private readonly following = new Int32Array(SHAPES).fill(-1);
  /** Per shape: the number of the line that last fitted it (`lines` counts them), to replace the one unused longest. */
  private readonly usedAt = new Float64Array(SHAPES);
  private lines = 0;
  private credit = FIRST_CREDIT;
  /**
   * The shape whose paths alone the probe may hold values of (each given a value by a line that
   * fits it); null when the probe may hold others, or `complex` (after the full check of a line whose shape was not kept).
   */
  private probeOf: Shape | null = null;
  /** Lines checked by a shape, without the full check (what tests and the rule-cost bench look at). */
  matched = 0;

  /** `rationed` false (tests): every line tries the shapes and keeps its own, no credit asked. */
  constructor(
    private readonly probe: PathProbe,
    private readonly rationed = true,
  ) {}

  /** isPlainJsonProbed(b, start, end, probe), by a shape when the line has one. */
  check(b: Uint8Array, start: number, end: number): boolean {
    const line = ++this.lines;
    const trying = this.credit > 0 || line % TRY_EVERY === 0 || !this.rationed;
    if (trying) {
      const predicted = this.following[this.last]!;
      if (predicted >= 0 && this.fits(predicted, b, start, end)) return true;
      for (let k = 0; k < SHAPES; k++) if (k !== predicted && this.fits(k, b, start, end)) return true;
    }
    const probe = this.probe;
    this.probeOf = null;
    if (!isPlainJsonProbed(b, start, end, probe)) return false;
    if (!trying || probe.complex || (this.credit < KEEP_COST && line % TRY_EVERY !== 0 && this.rationed)) return true;
    let oldest = 0;
    for (let k = 1; k < SHAPES; k++) if (this.usedAt[k]! < this.usedAt[oldest]!) oldest = k;
    const shape = this.shapes[oldest]!;
    if (shape.length > 0 && line - this.usedAt[oldest]! < STALE_LINES && this.rationed) return true;
    // Enough left for the next line to try it.
    this.credit = Math.max(1, this.credit - KEEP_COST);
    if (shape.keep(b, start, end, probe)) {
      this.probeOf = shape;
      this.usedAt[oldest] = line;
      this.following[oldest] = -1;
      this.following[this.last] = oldest;
      this.last = oldest;
    }
    return true;
  }

  /** Whether the line fits shape `k` (see check). */
  private fits(k: number, b: Uint8Array, start: number, end: number): boolean {
    const shape = this.shapes[k]!;
    if (shape.length === 0) return false;
    const probe = this.probe;
    if (this.probeOf !== shape) {
      probe.reset();
      this.probeOf = shape;
    }
    if (!shape.matches(b, start, end, probe)) {
      if (this.credit > 0) this.credit--;
      return false;
    }
    this.following[this.last] = k;
    this.last = k;
    this.usedAt[k] = this.lines;
    if (this.credit < MAX_CREDIT) this.credit += HIT_CREDIT;
    this.matched++;
    return true;
  }
}

/** One line's shape. */
class Shape {
  private readonly bytes = new Uint8Array(MAX_SHAPE_BYTES);
  /** Bytes in `bytes`; 0 while no shape is kept. */
  length = 0;
  /** Per scalar of the shape: where it starts and ends in `bytes`, and the probe's path it is the value of (-1: none). */
  private readonly slotStarts = new Int32Array(MAX_SLOTS);
  private readonly slotEnds = new Int32Array(MAX_SLOTS);
  private readonly slotPaths = new Int32Array(MAX_SLOTS);
  private slots = 0;

  /** Whether `b[start..end)` has the shape; its values at the shape's paths are then given to `probe`. */
  matches(b: Uint8Array, start: number, end: number, probe: PathProbe): boolean {
    const length = this.length;
    const shape = this.bytes;
    const slotStarts = this.slotStarts;
    const slotEnds = this.slotEnds;
    const slotPaths = this.slotPaths;
    let i = start;
    let j = 0;
    for (let s = 0, slots = this.slots; s < slots; s++) {
      const literalEnd = slotStarts[s]!;
      if (literalEnd - j >= end - i) return false;
      while (j < literalEnd) if (b[i++] !== shape[j++]) return false;
      const path = slotPaths[s]!;
      const after = skipScalar(b, i, end, b[i]!, path >= 0 ? probe.numberShape : null, false);
      if (after < 0) return false;
      if (path >= 0) probe.found(path, i, after);
      i = after;
      j = slotEnds[s]!;
    }
    if (length - j !== end - i) return false;
    while (j < length) if (b[i++] !== shape[j++]) return false;
    return true;
  }

  /**
   * Keeps the shape of `b[start..end)`, a line the full check just accepted (so valid JSON, its
   * values in `probe`): a string is a key when a `:` follows it, any other scalar a slot. False
   * when it is not kept (too long, too many scalars; the shape is then empty).
   */
  keep(b: Uint8Array, start: number, end: number, probe: PathProbe): boolean {
    this.length = 0;
    if (end - start > MAX_SHAPE_BYTES) return false;
    const starts = this.slotStarts;
    const ends = this.slotEnds;
    const paths = this.slotPaths;
    let slots = 0;
    for (let i = start; i < end; ) {
      const c = b[i]!;
      const isString = c === QUOTE;
      if (!isString && !(c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e)) {
        i++;
        continue;
      }
      const after = isString ? skipString(b, i, end) : skipScalar(b, i, end, c, null, false);
      const next = skipSpace(b, after, end);
      if (!isString || next >= end || b[next] !== 0x3a /* : */) {
        if (slots === MAX_SLOTS) return false;
        starts[slots] = i - start;
        ends[slots] = after - start;
        paths[slots] = -1;
        slots++;
      }
      i = after;
    }
    const found = probe.starts;
    for (let path = 0; path < found.length; path++) {
      const at = found[path]!;
      if (at < 0) continue;
      let s = 0;
      while (s < slots && starts[s] !== at - start) s++;
      if (s === slots || paths[s] !== -1) return false;
      paths[s] = path;
    }
    for (let k = start; k < end; k++) this.bytes[k - start] = b[k]!;
    this.slots = slots;
    this.length = end - start;
    return true;
  }
}
