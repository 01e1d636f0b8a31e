/**
 * A JSON number read straight from a record line's bytes, exactly as Number() and JSON.parse read
 * it, without making a string: the hot path of a stop rule on a tracked value. Up to 19
 * significant digits and a power of ten within 22 are read this way; anything else (longer, out
 * of that range, or a result too close to halfway between two doubles to be sure of) goes through
 * Number() on the text.
 *
 * Up to 15 digits, the digits and the power are both exact doubles and one operation rounds
 * correctly (Clinger's fast path). With 16 to 19 digits (what Python and JavaScript print for most
 * floats) the digits are held exactly as the sum of two doubles, a first result is corrected once,
 * and kept only when the exact remainder (error-free products, Dekker) shows it is the nearest double.
 */

/** Buffer's undocumented asciiSlice, twice as fast here as toString("latin1") (a number is ASCII). */
const asciiSlice = (Buffer.prototype as unknown as { asciiSlice?: (this: Uint8Array, start: number, end: number) => string }).asciiSlice;
const asciiText = (b: Uint8Array, start: number, end: number): string =>
  asciiSlice ? asciiSlice.call(b, start, end) : Buffer.prototype.toString.call(b, "latin1", start, end);

const POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** 2^27 + 1: splits a double into two halves whose products are exact (Veltkamp). */
const SPLITTER = 134217729;
/** A result is kept only when its remainder is this far inside the half-gap (rounding of the remainder itself is ~2^-52). */
const MARGIN = 1 - 2 ** -30;

const QUICK = 2 ** -54 * MARGIN;

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // the word with the exponent

/** The low part of a·b: a·b = fl(a·b) + productError(a, b, fl(a·b)) exactly (no overflow here). */
function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The gap from positive normal `x` to the next double above it, or below it. */
function gap(x: number, above: boolean): number {
  bits[0] = x;
  const high = words[HIGH]!;
  const up = 2 ** (((high >>> 20) & 0x7ff) - 1075);
  return !above && (high & 0xfffff) === 0 && words[1 - HIGH] === 0 ? up / 2 : up;
}

/** Whether `residual`, the exact value less `x` scaled by `scale`, shows `x` is the nearest double. */
function nearest(x: number, residual: number, scale: number): boolean {
  const size = residual < 0 ? -residual : residual;
  // Half the gap on either side is at least x·2^-54: most results are settled without their bits.
  if (size < x * scale * QUICK) return true;
  return size < (gap(x, residual > 0) / 2) * scale * MARGIN;
}

/** The JSON number `b[start..end)` (already checked to be one), as Number() reads it. */
export function readNumber(b: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  // The significant digits: the first 15 in `high`, up to 4 more in `low` (`lowDigits` of them).
  let high = 0;
  let low = 0;
  let digits = 0;
  let lowDigits = 0;
  let scale = 0;
  let d = 0;
  while (i < end && b[i] === 0x30) i++; // leading zeros
  for (; i < end; i++) {
    d = b[i]! - 0x30;
    if (d < 0 || d > 9) break;
    if (++digits <= 15) high = high * 10 + d;
    else if (digits <= 19) {
      low = low * 10 + d;
      lowDigits++;
    } else return Number(asciiText(b, start, end));
  }
  if (i < end && b[i] === 0x2e) {
    i++;
    if (digits === 0) {
      const from = i;
      while (i < end && b[i] === 0x30) i++;
      scale = from - i;
    }
    const fractionStart = i;
    for (; i < end; i++) {
      d = b[i]! - 0x30;
      if (d < 0 || d > 9) break;
      if (++digits <= 15) high = high * 10 + d;
      else if (digits <= 19) {
        low = low * 10 + d;
        lowDigits++;
      } else return Number(asciiText(b, start, end));
    }
    scale -= i - fractionStart;
  }
  if (i < end) {
    // An exponent: e, E, then an optional sign and digits.
    let e = 0;
    let exponentNegative = false;
    let k = i + 1;
    if (b[k] === 0x2b || b[k] === 0x2d) exponentNegative = b[k++] === 0x2d;
    if (end - k > 4) return Number(asciiText(b, start, end));
    for (; k < end; k++) e = e * 10 + (b[k]! - 0x30);
    scale += exponentNegative ? -e : e;
  }
  if (digits === 0) return negative ? -0 : 0;
  if (scale < -22 || scale > 22) return Number(asciiText(b, start, end));
  const power = POWERS[scale < 0 ? -scale : scale]!;
  let value: number;
  if (lowDigits === 0) value = scale < 0 ? high / power : high * power;
  else {
    // The digits exactly: upper + lower, with lower an integer far below upper's last bit.
    const shifted = high * POWERS[lowDigits]!;
    const shiftedError = productError(high, POWERS[lowDigits]!, shifted);
    const upper = shifted + low;
    const lower = low - (upper - shifted) + shiftedError;
    const read = scale < 0 ? divided(upper, lower, power) : multiplied(upper, lower, power);
    if (read === null) return Number(asciiText(b, start, end));
    value = read;
  }
  return negative ? -value : value;
}

/** (upper + lower) / power, rounded to nearest; null when too close to halfway to tell. */
function divided(upper: number, lower: number, power: number): number | null {
  let x = upper / power;
  for (let attempt = 0; attempt < 2; attempt++) {
    // The remainder upper + lower - x·power, exactly but for the last rounding of small terms.
    const p = x * power;
    const residual = upper - p + (lower - productError(x, power, p));
    if (nearest(x, residual, power)) return x;
    x += residual / power;
  }
  return null;
}

/** (upper + lower) · power, rounded to nearest; null when too close to halfway to tell. */
function multiplied(upper: number, lower: number, power: number): number | null {
  const p = upper * power;
  const pError = productError(upper, power, p);
  const q = lower * power;
  const qError = productError(lower, power, q);
  let x = p + q;
  for (let attempt = 0; attempt < 2; attempt++) {
    const residual = p - x + pError + q + qError;
    if (nearest(x, residual, 1)) return x;
    x += residual;
  }
  return null;
}
