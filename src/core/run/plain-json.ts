/**
 * Decides, straight from the bytes, whether a record line can be stored as it came: one valid
 * JSON value in valid UTF-8, without Python's NaN/Infinity tokens nor a number too large to be
 * finite (`1e400` reads as Infinity: a divergence), and (for an object) without
 * the reserved top-level keys (`$note`, `$meta`, `$value`, `$params`). It allocates nothing; answering false only
 * sends the line down the slower path that parses it with JSON.parse. isPlainJsonProbed also
 * notes the values at a PathProbe's paths on the way.
 */

import type { PathProbe } from "./path-probe";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
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
      i = skipScalar(b, i, end, c, null);
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
 */
export function isPlainJsonProbed(b: Uint8Array, start: number, end: number, probe: PathProbe): boolean {
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
      i = skipScalar(b, i, end, c, pending >= 0 ? probe.numberShape : null);
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

/** Skips the string, number or literal starting with byte `c` at i; -1 when it is none (see skipNumber for `shape`). */
function skipScalar(b: Uint8Array, i: number, end: number, c: number, shape: Int32Array | null): number {
  if (c === QUOTE) return skipString(b, i, end);
  if (c === 0x2d /* - */ || isDigit(c)) return skipNumber(b, i, end, shape);
  if (c === 0x74 /* t */) return skipWord(b, i, end, "true");
  if (c === 0x66 /* f */) return skipWord(b, i, end, "false");
  if (c === 0x6e /* n */) return skipWord(b, i, end, "null");
  return -1;
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

function skipSpace(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

function skipWord(b: Uint8Array, i: number, end: number, word: string): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** The byte at i, or -1 past the end of the line. */
const at = (b: Uint8Array, i: number, end: number): number => (i < end ? b[i]! : -1);

/** Position after the run of digits starting at i (i itself when there is none). */
function skipDigits(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

/**
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; -1 when malformed, or when it may be too large to
 * be finite (at least 10^307: read exactly on the slower path). A number with a `shape` notes
 * in it where its integer digits end and where its exponent starts (its end when it has none).
 */
function skipNumber(b: Uint8Array, i: number, end: number, shape: Int32Array | null): number {
  if (b[i] === 0x2d) i++;
  if (i >= end) return -1;
  const integerStart = i;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i]!)) i = skipDigits(b, i + 1, end);
  else return -1;
  const integerEnd = i;
  if (i < end && b[i] === 0x2e /* . */) {
    const digits = skipDigits(b, i + 1, end);
    if (digits === i + 1) return -1;
    i = digits;
  }
  if (shape !== null) {
    shape[0] = integerEnd;
    shape[1] = i;
  }
  let exponent = 0;
  if (i < end && (b[i] === 0x65 || b[i] === 0x45) /* e E */) {
    i++;
    const negative = i < end && b[i] === 0x2d;
    if (i < end && (b[i] === 0x2b || negative)) i++;
    const digits = skipDigits(b, i, end);
    if (digits === i) return -1;
    if (!negative) for (let k = i; k < digits && exponent < MAX_FINITE_DIGITS; k++) exponent = exponent * 10 + b[k]! - 0x30;
    i = digits;
  }
  return integerEnd - integerStart + exponent > MAX_FINITE_DIGITS ? -1 : i;
}

/** A number with more integer digits than this (its exponent counted) may not be finite. */
const MAX_FINITE_DIGITS = 307;

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isContinuation = (c: number) => c >= 0x80 && c <= 0xbf;

/** Skips a string starting at the quote at i; -1 if it is not a valid JSON string in UTF-8. */
function skipString(b: Uint8Array, i: number, end: number): number {
  // Plain ASCII here; the rest (escapes, UTF-8, what is invalid) in a function of its own, so this one stays small enough to inline.
  for (i++; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < 0x20 || c >= 0x80) return skipStringRest(b, i, end);
  }
  return -1;
}

/** The rest of a string from i, where an escape, a control byte or a non-ASCII byte was met. */
function skipStringRest(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = at(b, i + 1, end);
      if (e === 0x75 /* u */) {
        if (!isHex(at(b, i + 2, end)) || !isHex(at(b, i + 3, end)) || !isHex(at(b, i + 4, end)) || !isHex(at(b, i + 5, end))) return -1;
        i += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
      } else {
        return -1;
      }
    } else if (c < 0x20) {
      return -1;
    } else if (c < 0x80) {
      i++;
    } else {
      i = skipUtf8(b, i, end);
      if (i < 0) return -1;
    }
  }
  return -1;
}

/** Skips one well-formed UTF-8 sequence of two to four bytes (no overlongs, no surrogates). */
function skipUtf8(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  const c1 = at(b, i + 1, end);
  if (c >= 0xc2 && c <= 0xdf) return isContinuation(c1) ? i + 2 : -1;
  if (c >= 0xe0 && c <= 0xef) {
    const low = c === 0xe0 ? 0xa0 : 0x80;
    const high = c === 0xed ? 0x9f : 0xbf;
    return c1 >= low && c1 <= high && isContinuation(at(b, i + 2, end)) ? i + 3 : -1;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const low = c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xf4 ? 0x8f : 0xbf;
    return c1 >= low && c1 <= high && isContinuation(at(b, i + 2, end)) && isContinuation(at(b, i + 3, end)) ? i + 4 : -1;
  }
  return -1;
}
