import { describe, expect, test } from "bun:test";
import { readNumber } from "../../../src/core/run/json-number";
import { seededRandom } from "../../seeded-random";
import { isJsonNumber } from "./json-number-text";

/** Texts whose reading differs from JSON.parse's (Object.is: -0 is not 0), as [text, ours, JSON.parse's]. */
function misread(texts: string[]): [string, number, number][] {
  const wrong: [string, number, number][] = [];
  for (const text of texts) {
    const bytes = Buffer.from(`[${text}]`);
    if (!isJsonNumber(text)) throw new Error(`not a JSON number: ${text}`);
    const ours = readNumber(bytes, 1, bytes.length - 1);
    const theirs = JSON.parse(text) as number;
    if (!Object.is(ours, theirs)) wrong.push([text, ours, theirs]);
  }
  return wrong;
}

describe("readNumber reads a JSON number from bytes as JSON.parse does", () => {
  test("edge cases: zeros, exact halfway cases, the ends of the double range, long and short exponents", () => {
    expect(
      misread([
        "0",
        "-0",
        "-0.0",
        "0e0",
        "-0e-5",
        "0.000",
        "1",
        "-1",
        "0.1",
        "0.30000000000000004",
        "1e22",
        "1e23",
        "1E+2",
        "1e-0",
        "1e-22",
        "1e-23",
        // 2^53 + 1 and friends: exactly halfway between two doubles, ties to even
        "9007199254740993",
        "9007199254740995",
        "18014398509481985",
        "9007199254740993.0",
        "90071992547409930e-1",
        "9007199254740993e3",
        "9007199254740993e-3",
        "900719925474099.3",
        "9007199254740992.5",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "1e400",
        "-1e400",
        "4.9e-324",
        "2e-324",
        "1e-400",
        "2.2250738585072014e-308",
        "2.2250738585072011e-308",
        "123456789012345678e-22",
        "1234567890123456789e22",
        "1234567890123456789e-22",
        "9999999999999999999",
        "-9999999999999999999e-22",
        "99999999999999999999",
        "0.00000000000000000000000001",
        "100000000000000000000000",
        "1000000000000000000000000000000e-30",
        "0.0000000000000000000000000000001e31",
        "1e00000000000000000000000000001",
        "3.14159265358979323846264338327950288",
        "2.718281828459045",
        "0.1000000000000000055511151231257827",
        "5e-1",
        "0.9999999999999999",
        "0.99999999999999999",
        "1.0000000000000002",
        "1.00000000000000011",
        "4503599627370496.5",
        "4503599627370497.5",
      ]),
    ).toEqual([]);
  });

  test("what JavaScript and Python print for floats (shortest round trip, 16-17 digits), and fixed precisions", () => {
    const random = seededRandom(24);
    const texts: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const x = (random() - 0.5) * 10 ** Math.floor(random() * 60 - 30);
      texts.push(String(x), x.toPrecision(1 + Math.floor(random() * 21)), x.toExponential(Math.floor(random() * 21)));
      texts.push(String(1 / (i + 1)), String(i / 1000));
    }
    expect(misread(texts)).toEqual([]);
  });

  test("random digit strings: 1 to 21 digits, a point anywhere, exponents around the exact range", () => {
    const random = seededRandom(2024);
    const pick = (n: number) => Math.floor(random() * n);
    const texts: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const length = 1 + pick(21);
      let digits = String(1 + pick(9));
      for (let k = 1; k < length; k++) digits += String(pick(10));
      // Runs of 0s and 9s sit next to halfway cases.
      if (random() < 0.2) digits = digits.slice(0, pick(length) + 1).padEnd(length, random() < 0.5 ? "0" : "9");
      const point = pick(length + 1);
      let text = point === length ? digits : `${digits.slice(0, point) || "0"}.${digits.slice(point)}`;
      if (text.endsWith(".")) text = text.slice(0, -1);
      if (random() < 0.3) text = `0.${"0".repeat(pick(8))}${digits}`;
      if (random() < 0.5) text += `${random() < 0.5 ? "e" : "E"}${["", "+", "-"][pick(3)]}${pick(35)}`;
      texts.push(random() < 0.3 ? `-${text}` : text);
    }
    expect(misread(texts)).toEqual([]);
  });

  test("values next to halfway between two doubles: the nearest decimal of 17 to 19 digits on each side", () => {
    const random = seededRandom(99);
    const texts: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const x = random() * 10 ** Math.floor(random() * 30 - 10);
      const next = x + x * 2 ** -52;
      const mid = (x + next) / 2; // rounds to one of them; its digits sit at the halfway point
      for (const precision of [17, 18, 19]) texts.push(mid.toPrecision(precision), x.toPrecision(precision));
      texts.push(`${x.toPrecision(16)}5`, `${x.toPrecision(16)}49`, `${x.toPrecision(16)}51`);
    }
    expect(misread(texts.filter((text) => !text.includes("e")))).toEqual([]);
  });
});
