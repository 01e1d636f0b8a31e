/**
 * Decides, straight from the bytes, whether a record line can be stored as it came: one valid
 * JSON value in valid UTF-8, without Python's NaN/Infinity tokens, a number too large to be
 * finite (`1e400` reads as Infinity: a divergence) nor a value that is the text of a non-finite
 * number (`"NaN"`, as such numbers are stored: a divergence too), and (for an object) without
 * the reserved top-level keys (`$note`, `$meta`, `$value`, `$params`). It allocates nothing; answering false only
 * sends the line down the slower path that parses it with JSON.parse. isPlainJsonProbed also
 * notes the values at a PathProbe's paths on the way.
 */

import { BACKSLASH, QUOTE, skipScalar, skipSpace, skipString } from "./json-scalars";
import type { PathProbe } from "./path-probe";

/** Deeper nesting goes down the JSON.parse path; 30 keeps the container kinds in one integer's bits. */
export const MAX_DEPTH = 30;
const RESERVED_KEYS = ["$note", "$meta", "$value", "$params"].map((key) => Buffer.from(key));

/** Whether the line b[start..end) is plain JSON (see the top); the same walk as isPlainJsonProbed, kept in step with it. */
export function isPlainJson(b: Uint8Array, start: number, end: number): boolean {
  let depth = 0;
  /** Bit d is set when the container at depth d is an object. */
  let objects = 0;
  let i = skipSpace(b, start, end);
  // Each turn reads one value at i, then what may follow it.
  for (;;) {
    if (i >= end) return false;
    const c = b[i]!;
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_DEPTH) return false;
      const isObject = c === 0x7b;
      objects = isObject ? objects | (1 << depth) : objects & ~(1 << depth);
      i = skipSpace(b, i + 1, end);
      if (i < end && b[i] === (isObject ? 0x7d : 0x5d)) {
        depth--;
        i++;
      } else {
        if (isObject) {
          i = readKey(b, i, end, depth);
          if (i < 0) return false;
        }
        continue;
      }
    } else {
      i = skipScalar(b, i, end, c, null, false);
      if (i < 0) return false;
    }
    // After a value: close containers, or move to the next element or member.
    for (;;) {
      i = skipSpace(b, i, end);
      if (depth === 0) return i === end;
      if (i >= end) return false;
      const inObject = (objects >> depth) & 1;
      const next = b[i]!;
      if (next === 0x2c /* , */) {
        i = skipSpace(b, i + 1, end);
        if (inObject) {
          i = readKey(b, i, end, depth);
          if (i < 0) return false;
        }
        break;
      }
      if (next !== (inObject ? 0x7d : 0x5d)) return false;
      depth--;
      i++;
    }
  }
}

/**
 * isPlainJson, noting on the way the values at `probe`'s paths (see PathProbe). A function of
 * its own, so the check without a probe carries none of the probe's work nor its compiled code;
 * it must accept exactly what isPlainJson accepts (plain-json and path-probe tests hold them together).
 * `nonFiniteText`: a stored line read by a query, whose "NaN" strings are values as any other.
 */
export function isPlainJsonProbed(b: Uint8Array, start: number, end: number, probe: PathProbe, nonFiniteText = false): boolean {
  let depth = 0;
  let objects = 0;
  let i = skipSpace(b, start, end);
  probe.reset();
  const nodeAt = probe.nodeAt;
  /** The watched node whose value is read next (the top-level value is the root's), or -1. */
  let pending = 0;
  /** A member's key comes first at i. Keys are read in one place, so the compiled code holds one copy. */
  let atKey = false;
  for (;;) {
    if (atKey) {
      const after = keyEnd(b, i, end, depth);
      if (after < 0) return false;
      const node = nodeAt[depth]!;
      if (node >= 0 && probe.asks(node, after - i - 2)) pending = probe.key(node, b, i + 1, after - 1);
      i = valueAfterKey(b, after, end);
      if (i < 0) return false;
    }
    if (i >= end) return false;
    const c = b[i]!;
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_DEPTH) return false;
      const isObject = c === 0x7b;
      objects = isObject ? objects | (1 << depth) : objects & ~(1 << depth);
      nodeAt[depth] = pending >= 0 ? probe.open(pending, isObject) : -1;
      pending = -1;
      i = skipSpace(b, i + 1, end);
      if (i < end && b[i] === (isObject ? 0x7d : 0x5d)) {
        depth--;
        i++;
      } else {
        atKey = isObject;
        continue;
      }
    } else {
      const valueStart = i;
      i = skipScalar(b, i, end, c, pending >= 0 ? probe.numberShape : null, nonFiniteText);
      if (i < 0) return false;
      if (pending >= 0) {
        probe.scalar(pending, valueStart, i);
        pending = -1;
      }
    }
    for (;;) {
      i = skipSpace(b, i, end);
      if (depth === 0) return i === end;
      if (i >= end) return false;
      const inObject = (objects >> depth) & 1;
      const next = b[i]!;
      if (next === 0x2c /* , */) {
        i = skipSpace(b, i + 1, end);
        atKey = inObject === 1;
        break;
      }
      if (next !== (inObject ? 0x7d : 0x5d)) return false;
      depth--;
      i++;
    }
  }
}

/** Reads `"key" :` at i; returns the position of the value, or -1. Refuses reserved top-level keys. */
function readKey(b: Uint8Array, i: number, end: number, depth: number): number {
  const after = keyEnd(b, i, end, depth);
  return after < 0 ? -1 : valueAfterKey(b, after, end);
}

/** The position after the key string at i, or -1 when there is none or it is a reserved top-level key. */
function keyEnd(b: Uint8Array, i: number, end: number, depth: number): number {
  if (i >= end || b[i] !== QUOTE) return -1;
  const after = skipString(b, i, end);
  if (after < 0) return -1;
  if (depth === 1 && !isOrdinaryKey(b, i + 1, after - 1)) return -1;
  return after;
}

/** Past the `:` that follows a key ending before i: the position of the value, or -1. */
function valueAfterKey(b: Uint8Array, i: number, end: number): number {
  const colon = skipSpace(b, i, end);
  if (colon >= end || b[colon] !== 0x3a /* : */) return -1;
  return skipSpace(b, colon + 1, end);
}

/** A top-level key that is none of the reserved keys, nor written with escapes (which could spell them). */
function isOrdinaryKey(b: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (b[k] === BACKSLASH) return false;
  return b[start] !== 0x24 /* $ */ || !isReservedKey(b, start, end);
}

function isReservedKey(b: Uint8Array, start: number, end: number): boolean {
  return RESERVED_KEYS.some((key) => key.length === end - start && key.every((byte, k) => b[start + k] === byte));
}
