import { describe, expect, test } from "bun:test";
import { PathProbe } from "../../../src/core/run/path-probe";
import { isPlainJson, isPlainJsonProbed, MAX_DEPTH } from "../../../src/core/run/plain-json";
import { seededRandom } from "../../seeded-random";

const probe = PathProbe.of([[{ key: "a" }], [{ key: "step" }, { key: "a" }], [{ key: "$note" }]], MAX_DEPTH)!;

/** isPlainJson's answer, having checked that the check with a probe gives the same. */
const check = (text: string | Buffer) => {
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  const plain = isPlainJson(bytes, 0, bytes.length);
  expect({ text: bytes.toString("latin1"), probed: isPlainJsonProbed(bytes, 0, bytes.length, probe) }).toEqual({
    text: bytes.toString("latin1"),
    probed: plain,
  });
  return plain;
};

/** What isPlainJson promises, computed the slow way. */
function expected(bytes: Buffer): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    if (Object.hasOwn(value, "$note") || Object.hasOwn(value, "$meta") || Object.hasOwn(value, "$value")) return false;
    // a top-level key written with escapes goes the slow way too
    if (/^\s*\{/.test(text) && hasEscapedTopLevelKey(text)) return false;
  }
  return !mayNotBeFinite(text) && !holdsNonFiniteText(value);
}

/** Whether a value (not a key) is the text a non-finite number is stored as: a divergence, read the slow way. */
function holdsNonFiniteText(value: unknown): boolean {
  if (typeof value === "string") return value === "NaN" || value === "Infinity" || value === "-Infinity";
  if (value === null || typeof value !== "object") return false;
  return Object.values(value).some(holdsNonFiniteText);
}

/** Whether a number of the text has more than 307 integer digits, its exponent counted: such a line is read exactly, the slow way. */
function mayNotBeFinite(text: string): boolean {
  const outsideStrings = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const [, integer, exponent] of outsideStrings.matchAll(/-?(\d+)(?:\.\d+)?(?:[eE]([+-]?\d+))?/g)) {
    if (integer!.length + Math.max(0, Number(exponent ?? 0)) > 307) return true;
  }
  return false;
}

function hasEscapedTopLevelKey(text: string): boolean {
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") {
        if (depth === 1 && isKeyAt(text, stringStart)) return true;
        i++;
      } else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      stringStart = i;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return false;
}

function isKeyAt(text: string, quote: number): boolean {
  for (let i = quote - 1; i >= 0; i--) {
    const c = text[i]!;
    if (c === "{" || c === ",") return true;
    if (!/\s/.test(c)) return false;
  }
  return false;
}

function randomValue(random: () => number, depth: number, topLevel: boolean): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
  const strings = ["", "a", "é", "日本", "😀", 'q"uote', "back\\slash", "tab\t", "\u0001", "$note", "NaN", "-Infinity", "Infinity", "NaNs", "\u2028"];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return [0, -0.5, 1e21, 3.14e-10, 42, -7, 123456789012, 1e300, 1.7976931348623157e308, 5e-324][Math.floor(random() * 10)];
    case 3:
    case 4:
      return strings[Math.floor(random() * strings.length)];
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1, false));
    default: {
      const object: Record<string, unknown> = {};
      const keys = topLevel ? ["a", "b", "step", "é"] : ["a", "$note", "$meta", "$value", "x y"];
      for (let k = 0; k < Math.floor(random() * 4); k++) object[keys[Math.floor(random() * keys.length)]!] = randomValue(random, depth + 1, false);
      return object;
    }
  }
}

describe("isPlainJson", () => {
  test.each([
    ['{"step": 1, "metrics": {"loss": 0.5, "acc": [1, 2e-3, -0.0]}}', true],
    [" 42 ", true],
    ['"text with é and 😀"', true],
    ["[true, false, null]", true],
    ['{"nested": {"$note": "fine below the top"}}', true],
    ['{"$note": "x", "a": 1}', false],
    ['{"a": 1, "$meta": {}}', false],
    ['{"$value": 0.5}', false],
    ['{"$valu": 1, "$values": 2, "$vblue": 3}', true],
    ['{"\\u0024note": "x"}', false],
    ["NaN", false],
    ['{"loss": NaN}', false],
    ["[-Infinity]", false],
    ['"NaN"', false],
    ['{"loss": "Infinity"}', false],
    ['{"x": ["-Infinity"]}', false],
    ['{"NaN": 1, "a": "NaNa", "b": "Infinit", "c": "+Infinity", "d": "nan"}', true],
    ["", false],
    ["   ", false],
    ["{", false],
    ['{"a" 1}', false],
    ["[1,]", false],
    ["01", false],
    ["1.", false],
    [".5", false],
    ["1e", false],
    ['"\\x"', false],
    ['"\\u12G4"', false],
    ["1 2", false],
    ["tru", false],
  ])("%s -> %p", (text, plain) => {
    expect(check(text)).toBe(plain);
  });

  test("refuses invalid UTF-8, overlong forms and encoded surrogates inside strings", () => {
    expect(check(Buffer.from([0x22, 0xc3, 0xa9, 0x22]))).toBe(true);
    expect(check(Buffer.from([0x22, 0xff, 0x22]))).toBe(false);
    expect(check(Buffer.from([0x22, 0xc0, 0xaf, 0x22]))).toBe(false);
    expect(check(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).toBe(false);
    expect(check(Buffer.from([0x22, 0xe2, 0x82, 0x22]))).toBe(false);
    // A raw control byte is never inside a JSON string, in a value or a key.
    expect(check(Buffer.from([0x22, 0x61, 0x09, 0x62, 0x22]))).toBe(false);
    expect(check(Buffer.from('{"a":"x\x01"}'))).toBe(false);
    expect(check(Buffer.from('{"a\x1f":1}'))).toBe(false);
  });

  test("a number that may be too large to be finite goes the slow way, where it is read exactly", () => {
    for (const text of ["1e400", '{"loss": 1e400}', '{"loss": -2E+308}', '{"x": [0.5e308]}', `{"x": 1${"0".repeat(310)}}`, '{"x": 1e0000000000000000000400}'])
      expect({ text, plain: check(text) }).toEqual({ text, plain: false });
    for (const text of ['{"loss": 1e300}', '{"loss": 1e-400}', '{"loss": -1e-99999}', `{"x": 1${"0".repeat(300)}}`, '{"x": 123.456e+10}'])
      expect({ text, plain: check(text) }).toEqual({ text, plain: true });
  });

  test("never reads past the end it is given", () => {
    const bytes = Buffer.from("[1]1.5");
    expect(isPlainJson(bytes, 0, 3)).toBe(true);
    expect(isPlainJson(bytes, 3, 5)).toBe(false);
    expect(isPlainJson(Buffer.from('"abc"'), 0, 4)).toBe(false);
    expect(isPlainJson(Buffer.from("true"), 0, 3)).toBe(false);
    expect(isPlainJson(Buffer.from('"\\u00411'), 0, 7)).toBe(false);
  });

  test("agrees with JSON.parse on generated values and on their mutations", () => {
    const random = seededRandom(1);
    const alphabet = Buffer.concat([Buffer.from('{}[]",:.-+eE0123456789 \\ntruefalsenullNaN$\xff'), Buffer.from([0x01, 0x09, 0x1f])]);
    for (let round = 0; round < 20000; round++) {
      const spaced = JSON.stringify(randomValue(random, 0, true), null, random() < 0.3 ? 1 : undefined) ?? "null";
      let bytes = Buffer.from(spaced.replace(/\n/g, " "));
      expect({ text: bytes.toString(), plain: check(bytes) }).toEqual({ text: bytes.toString(), plain: expected(bytes) });
      const mutated = Buffer.from(bytes);
      const position = Math.floor(random() * mutated.length);
      const action = random();
      if (action < 0.4) mutated[position] = alphabet[Math.floor(random() * alphabet.length)]!;
      else if (action < 0.7) bytes = Buffer.concat([mutated.subarray(0, position), mutated.subarray(position + 1)]);
      else bytes = Buffer.concat([mutated.subarray(0, position), Buffer.from([alphabet[Math.floor(random() * alphabet.length)]!]), mutated.subarray(position)]);
      if (action < 0.4) bytes = mutated;
      expect({ text: bytes.toString("latin1"), plain: check(bytes) }).toEqual({ text: bytes.toString("latin1"), plain: expected(bytes) });
    }
  });
});
