import { describe, expect, test } from "bun:test";
import { NumberBound, UNKNOWN_ORDER } from "../../../src/core/run/json-number-order";
import { PathProbe } from "../../../src/core/run/path-probe";
import { isPlainJsonProbed, MAX_DEPTH } from "../../../src/core/run/plain-json";
import { seededRandom } from "../../seeded-random";
import { isJsonNumber } from "./json-number-text";

/** NumberBound.orderOf, the number's shape found by a walk of its own rather than noted by the check of its line. */
function orderByWalk(bound: NumberBound, b: Uint8Array, start: number, end: number): number {
  const skipDigits = (i: number) => {
    while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
    return i;
  };
  const integerEnd = skipDigits(b[start] === 0x2d ? start + 1 : start);
  const exponentStart = integerEnd < end && b[integerEnd] === 0x2e ? skipDigits(integerEnd + 1) : integerEnd;
  return bound.orderOf(b, start, integerEnd, exponentStart, end);
}

/** Where `text` stands against `constant` by NumberBound: -1, 0, 1 or "unknown"; each known answer must be JSON.parse's. */
function order(text: string, constant: number): number | "unknown" {
  const bytes = Buffer.from(`[${text}]`);
  if (!isJsonNumber(text)) throw new Error(`not a JSON number: ${text}`);
  const found = orderByWalk(NumberBound.of(constant)!, bytes, 1, bytes.length - 1);
  return found === UNKNOWN_ORDER ? "unknown" : found;
}

const truth = (text: string, constant: number) => {
  const value = JSON.parse(text) as number;
  return value < constant ? -1 : value > constant ? 1 : 0;
};

/** The texts whose known order differs from JSON.parse's. */
function wrong(texts: string[], constants: number[]): [string, number, number | "unknown"][] {
  const found: [string, number, number | "unknown"][] = [];
  for (const constant of constants) {
    for (const text of texts) {
      const ours = order(text, constant);
      if (ours !== "unknown" && ours !== truth(text, constant)) found.push([text, constant, ours]);
    }
  }
  return found;
}

describe("NumberBound: a JSON number's order against a constant, from its sign and size", () => {
  test("settles numbers far from the constant without reading their digits, and leaves near ones unknown", () => {
    expect(order("0.000012345678901234567", 5)).toBe(-1);
    expect(order("123.5", 5)).toBe(1);
    expect(order("-3", 5)).toBe(-1);
    expect(order("3", -5)).toBe(1);
    expect(order("4.99", 5)).toBe("unknown");
    expect(order("51", 5)).toBe("unknown");
    expect(order("5e-1", 5)).toBe("unknown");
    expect(order("5e-2", 5)).toBe(-1);
    expect(order("-1E+2", -5)).toBe(-1);
  });

  test("zeros: -0, 0e5, 0.000 and a zero constant", () => {
    for (const zero of ["0", "-0", "0.0", "-0.000", "0e5", "0E-400", "-0.0e+3"]) {
      expect([zero, order(zero, 0)]).toEqual([zero, 0]);
      expect([zero, order(zero, -0)]).toEqual([zero, 0]);
      expect([zero, order(zero, 1e-300)]).toEqual([zero, -1]);
      expect([zero, order(zero, -7)]).toEqual([zero, 1]);
    }
    expect(order("1e-300", 0)).toBe(1);
    expect(order("-2.5", 0)).toBe(-1);
  });

  test("numbers that round to a double beside the constant, or past the ends of the range, are never misplaced", () => {
    const hostile = [
      "0.99999999999999999999",
      "0.9999999999999999",
      "9.9999999999999999999e22",
      "1e23",
      "99999999999999999999999",
      "1e400",
      "-1e400",
      "1e-400",
      "-1e-400",
      "2e-324",
      "4.9e-324",
      "1.7976931348623159e308",
      "1e00000000000000000000000000001",
      "1e-00000000000000000000000000005",
      "123e-302",
      "0.0000000000000000000000000000001e31",
      "100000000000000000000000000000e-29",
    ];
    const constants = [1, 10, 0.1, 1e23, 1e22, 1e300, -1, 5, 9.999999999999999e22, 0, 1e-300, 1e299];
    expect(wrong(hostile, constants)).toEqual([]);
    expect(order("1e-400", 1e-300)).toBe("unknown");
    expect(order("1e400", 5)).toBe("unknown");
  });

  test("random numbers and constants: every known order is JSON.parse's", () => {
    const random = seededRandom(11);
    const pick = (n: number) => Math.floor(random() * n);
    const texts: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const x = (random() - 0.5) * 10 ** (pick(40) - 20);
      texts.push(String(x), x.toExponential(pick(20)), x.toFixed(pick(12)));
      texts.push(`${pick(2) ? "-" : ""}0.${"0".repeat(pick(6))}${pick(1000)}${pick(2) ? `e${["", "+", "-"][pick(3)]}${pick(9)}` : ""}`);
    }
    const constants = [0, 5, -5, 0.001, 1e-7, 123456.789, -0.25, 1e15, 2 ** 53 + 2, 9.5];
    expect(wrong(texts, constants)).toEqual([]);
    // Most of them are settled without being read.
    const unknown = texts.filter((text) => order(text, 5) === "unknown").length;
    expect(unknown).toBeLessThan(texts.length / 4);
  });

  test("constants it cannot compare with: not finite, or near the ends of the range", () => {
    expect(NumberBound.of(Number.POSITIVE_INFINITY)).toBeNull();
    expect(NumberBound.of(Number.NaN)).toBeNull();
    expect(NumberBound.of(1e-310)).toBeNull();
    expect(NumberBound.of(1e305)).toBeNull();
  });
});

describe("NumberBound.orderOf: a number placed from the shape the check of its line noted", () => {
  const probe = PathProbe.of([[{ key: "x" }]], MAX_DEPTH)!;
  /** `text` as the watched value of a line: orderOf from the noted shape, and order from a walk of its own. */
  function both(text: string, constant: number): [number, number] | null {
    const bytes = Buffer.from(`{"y": -12.5e3, "x": ${text}, "z": 0.25}`);
    if (!isPlainJsonProbed(bytes, 0, bytes.length, probe) || probe.complex) return null;
    const bound = NumberBound.of(constant)!;
    const [start, end] = [probe.starts[0]!, probe.ends[0]!];
    return [bound.orderOf(bytes, start, probe.integerEnds[0]!, probe.exponentStarts[0]!, end), orderByWalk(bound, bytes, start, end)];
  }

  test("agrees with order, and with JSON.parse when it knows, for hostile numbers at every prefix length", () => {
    const long = [
      "-0.000000123456789012345678901234e-0000012",
      "12345678901234567890.000000000000001E+00000000000000000000003",
      "0.0000000000000000000000000000001e31",
      "-0",
      "-0.0000e-5",
      "1e400",
      "-1e-400",
      "4.9999999999999999999",
      "5.0000000000000001",
      "100000000000000000000000000000e-29",
      "9.999999999999999e22",
    ];
    const texts = long.flatMap((text) => text.split("").map((_, n) => text.slice(0, n + 1)));
    const constants = [5, -5, 0, 1e-7, 1e22, 1e-300, 1e300, 123456.789, 0.5, -0.25];
    const disagreeing: [string, number, unknown][] = [];
    let checked = 0;
    for (const text of texts) {
      for (const constant of constants) {
        const found = both(text, constant);
        if (found === null) continue;
        checked++;
        const [noted, walked] = found;
        if (noted !== walked || (noted !== UNKNOWN_ORDER && noted !== truth(text, constant))) disagreeing.push([text, constant, found]);
      }
    }
    expect(disagreeing).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  test("random numbers: the noted shape places each as a walk does", () => {
    const random = seededRandom(12);
    const pick = (n: number) => Math.floor(random() * n);
    for (let i = 0; i < 3_000; i++) {
      const x = (random() - 0.5) * 10 ** (pick(40) - 20);
      for (const text of [String(x), x.toExponential(pick(20)), x.toFixed(pick(12)).replace(/^(-?)0\./, `$10.${"0".repeat(pick(4))}`)]) {
        const found = both(text, 5);
        if (found) expect([text, found[0]]).toEqual([text, found[1]]);
      }
    }
  });
});
