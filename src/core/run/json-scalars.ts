/**
 * The byte scanners under plain-json.ts's walks: each skips one JSON token (space, string, number,
 * literal) from a position and answers the position after it, or -1 where it is not valid JSON in
 * valid UTF-8, or is a number that may be too large to be finite (or, coming in, the text of one:
 * see skipScalar). They allocate nothing.
 */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;

/**
 * Skips the string, number or literal starting with byte `c` at i; -1 when it is none (see
 * skipNumber for `shape`). Without `nonFiniteText`, a string that is the text of a non-finite
 * number ("NaN", "Infinity", "-Infinity") is none either: a record coming in with one has diverged
 * (told on the slower path); a stored record reads it as it is.
 */
export function skipScalar(b: Uint8Array, i: number, end: number, c: number, shape: Int32Array | null, nonFiniteText: boolean): number {
  if (c === QUOTE) {
    const after = skipString(b, i, end);
    if (nonFiniteText) return after;
    const length = after - i;
    return (length === 5 || length === 10 || length === 11) && isNonFiniteText(b, i, length) ? -1 : after;
  }
  if (c === 0x2d /* - */ || isDigit(c)) return skipNumber(b, i, end, shape);
  if (c === 0x74 /* t */) return skipWord(b, i, end, "true");
  if (c === 0x66 /* f */) return skipWord(b, i, end, "false");
  if (c === 0x6e /* n */) return skipWord(b, i, end, "null");
  return -1;
}

const NON_FINITE_TEXTS = ['"NaN"', '"Infinity"', '"-Infinity"'].map((text) => Buffer.from(text));

/** Whether the `length` bytes at i are one of NON_FINITE_TEXTS, quotes included. */
function isNonFiniteText(b: Uint8Array, i: number, length: number): boolean {
  const text = NON_FINITE_TEXTS[length === 5 ? 0 : length === 10 ? 1 : 2]!;
  for (let k = 0; k < length; k++) if (b[i + k] !== text[k]) return false;
  return true;
}

export function skipSpace(b: Uint8Array, i: number, end: number): number {
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
export function skipString(b: Uint8Array, i: number, end: number): number {
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
