/**
 * Whether a JSON number in a record line is below or above a constant, told from its sign and
 * its decimal exponent (where its first significant digit stands) without reading its digits:
 * `0.0000123` is below 5 whatever follows the 1. A stop rule compares a tracked value with a
 * constant after every record, and most values are far from it; the rest are read whole
 * (readNumber). The answer is the one comparing the value Number() reads would give.
 */

/** The number's order could not be told this way. */
export const UNKNOWN_ORDER = 2;

/** Numbers this close to the ends of the double range (underflow to zero, overflow) are read whole. */
const FARTHEST_EXPONENT = 300;

export class NumberBound {
  /** A bound for comparing with `value`; null for one this way cannot compare with (not finite, near the range's ends). */
  static of(value: number): NumberBound | null {
    if (!Number.isFinite(value)) return null;
    if (value === 0) return new NumberBound(0, 0);
    // 21 significant digits cannot round a double up to the next power of ten: the exponent is exact.
    const exponent = Number(value.toExponential(20).split("e")[1]);
    if (exponent < -FARTHEST_EXPONENT || exponent > FARTHEST_EXPONENT) return null;
    return new NumberBound(value < 0 ? -1 : 1, exponent);
  }

  private constructor(
    /** -1, 0 or 1. */
    private readonly sign: number,
    /** The constant lies in [10^exponent, 10^(exponent+1)) (its absolute value). */
    private readonly exponent: number,
  ) {}

  /**
   * The JSON number `b[start..end)` (already checked to be one) against the constant: -1 below,
   * 0 equal, 1 above, or UNKNOWN_ORDER when its magnitude is within a factor of ten or so of the
   * constant's (then it must be read whole). Told where its integer digits end and where its
   * exponent starts (`end` without one), as the check of its line noted them: its digits are not
   * walked again.
   */
  orderOf(b: Uint8Array, start: number, integerEnd: number, exponentStart: number, end: number): number {
    let i = start;
    const sign = b[i] === 0x2d ? -1 : 1;
    if (sign < 0) i++;
    // Its first significant digit stands at 10^exponent (before any e part).
    let exponent: number;
    if (b[i] !== 0x30) {
      exponent = integerEnd - i - 1;
    } else {
      // 0, or 0. and a fraction (which starts after the point at integerEnd).
      i = integerEnd + 1;
      while (i < exponentStart && b[i] === 0x30) i++;
      if (i >= exponentStart) return 0 - this.sign; // 0, -0, 0e5, 0.000, 0.0e5: zero
      exponent = integerEnd - i;
    }
    if (exponentStart < end) {
      const written = writtenExponent(b, exponentStart, end);
      if (written === TOO_FAR) return UNKNOWN_ORDER;
      exponent += written;
    }
    if (exponent < -FARTHEST_EXPONENT || exponent > FARTHEST_EXPONENT) return UNKNOWN_ORDER;
    // Nonzero and in the normal range, the value read keeps its sign: opposite signs, or a zero constant, settle it.
    if (sign !== this.sign) return sign;
    // Two powers of ten apart, rounding to a double cannot bring them level.
    if (exponent <= this.exponent - 2) return -sign;
    if (exponent >= this.exponent + 2) return sign;
    return UNKNOWN_ORDER;
  }
}

/** What writtenExponent answers for an exponent too large to place a number by. */
const TOO_FAR = 0x7fffffff;

/**
 * The exponent written at `b[start..end)` (e or E, an optional sign, digits, leading zeros
 * allowed), or TOO_FAR. A function of its own, so that orderOf stays small enough to be compiled
 * into its callers.
 */
function writtenExponent(b: Uint8Array, start: number, end: number): number {
  let i = start + 1;
  const negative = b[i] === 0x2d;
  if (negative || b[i] === 0x2b) i++;
  let e = 0;
  for (; i < end; i++) {
    e = e * 10 + (b[i]! - 0x30);
    if (e > FARTHEST_EXPONENT * 2) return TOO_FAR;
  }
  return negative ? -e : e;
}
