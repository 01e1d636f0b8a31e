/**
 * The shape of the last record line checked: its bytes with the places of its scalar values
 * (numbers, strings, true, false, null). A program writes most of its records alike, so a line
 * that has the same bytes outside those places, and a valid scalar in each, is checked by
 * comparing it with the shape: it is then plain JSON (isPlainJson walks it as it walked the
 * shape's line, each scalar ending where the next bytes of the shape begin), and a PathProbe's
 * values lie in the same places. Any other line takes the full check (isPlainJson, or
 * isPlainJsonProbed with a probe), and its shape is kept for the next one.
 */

import { QUOTE, skipScalar, skipSpace, skipString } from "./json-scalars";
import type { PathProbe } from "./path-probe";
import { isPlainJson, isPlainJsonProbed } from "./plain-json";

/** A longer line, or one with more scalars, is not kept as a shape (a shape holds its copy). */
const MAX_SHAPE_BYTES = 4096;
const MAX_SLOTS = 256;
const NONE = new Int32Array(0);

export class LineShape {
  private readonly bytes = new Uint8Array(MAX_SHAPE_BYTES);
  /** Bytes in `bytes`; 0 while no shape is kept. */
  private length = 0;
  /** Per scalar of the shape: where it starts and ends in `bytes`, and the probe's path it is the value of (-1: none). */
  private readonly slotStarts = new Int32Array(MAX_SLOTS);
  private readonly slotEnds = new Int32Array(MAX_SLOTS);
  private readonly slotPaths = new Int32Array(MAX_SLOTS);
  private slots = 0;
  /** Lines checked by the shape, without the full check (what tests and the rule-cost bench look at). */
  matched = 0;

  /** With a probe, lines are checked with it (see isPlainJsonProbed). */
  constructor(private readonly probe: PathProbe | null) {}

  /** isPlainJson(b, start, end), or isPlainJsonProbed with the probe, by the shape when the line has it. */
  check(b: Uint8Array, start: number, end: number): boolean {
    if (this.matches(b, start, end)) {
      this.matched++;
      return true;
    }
    const probe = this.probe;
    if (probe === null ? !isPlainJson(b, start, end) : !isPlainJsonProbed(b, start, end, probe)) return false;
    if (probe === null || !probe.complex) this.keep(b, start, end);
    return true;
  }

  /** Whether `b[start..end)` has the shape; the probe then holds the line's values. */
  private matches(b: Uint8Array, start: number, end: number): boolean {
    const length = this.length;
    if (length === 0) return false;
    const probe = this.probe;
    probe?.reset();
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
      const after = skipScalar(b, i, end, b[i]!, path >= 0 ? probe!.numberShape : null);
      if (after < 0) return false;
      if (path >= 0) probe!.found(path, i, after);
      i = after;
      j = slotEnds[s]!;
    }
    if (length - j !== end - i) return false;
    while (j < length) if (b[i++] !== shape[j++]) return false;
    return true;
  }

  /**
   * Keeps the shape of `b[start..end)`, a line isPlainJsonProbed just accepted (so valid JSON,
   * its values in the probe): a string is a key when a `:` follows it, any other scalar a slot.
   */
  private keep(b: Uint8Array, start: number, end: number): void {
    this.length = 0;
    if (end - start > MAX_SHAPE_BYTES) return;
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
      const after = isString ? skipString(b, i, end) : skipScalar(b, i, end, c, null);
      const next = skipSpace(b, after, end);
      if (!isString || next >= end || b[next] !== 0x3a /* : */) {
        if (slots === MAX_SLOTS) return;
        starts[slots] = i - start;
        ends[slots] = after - start;
        paths[slots] = -1;
        slots++;
      }
      i = after;
    }
    const found = this.probe?.starts ?? NONE;
    for (let path = 0; path < found.length; path++) {
      const at = found[path]!;
      if (at < 0) continue;
      let s = 0;
      while (s < slots && starts[s] !== at - start) s++;
      if (s === slots || paths[s] !== -1) return;
      paths[s] = path;
    }
    for (let k = start; k < end; k++) this.bytes[k - start] = b[k]!;
    this.slots = slots;
    this.length = end - start;
  }
}
