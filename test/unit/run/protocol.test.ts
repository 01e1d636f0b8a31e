import { describe, expect, test } from "bun:test";
import { parsePayload, quoteNonFinite } from "../../../src/core/run/protocol";

describe("parsePayload", () => {
  test.each([
    ['{"loss": 0.5}', { ok: true, value: '{"loss": 0.5}' }],
    ["3", { ok: true, value: "3" }],
    ['"text"', { ok: true, value: '"text"' }],
    ["[1, 2]", { ok: true, value: "[1, 2]" }],
    ["null", { ok: true, value: "null" }],
  ])("keeps any JSON value as written: %s", (text, expected) => {
    expect(parsePayload(text)).toEqual(expected as never);
  });

  test("stores Python's NaN, Infinity and -Infinity as strings, leaving strings alone", () => {
    expect(parsePayload('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN Infinity"}')).toEqual({
      ok: true,
      value: '{"a": "NaN", "b": ["Infinity", "-Infinity"], "c": "NaN Infinity"}',
      nonFinite: true,
    });
    expect(parsePayload("NaN")).toEqual({ ok: true, value: '"NaN"', nonFinite: true });
  });

  test("a record's value nests at most 100 levels; the reserved keys' object around it is one more", () => {
    const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    const tooDeep = { ok: false as const, reason: "nested deeper than 100 levels" };
    expect(parsePayload(nested(100))).toEqual({ ok: true, value: nested(100) });
    expect(parsePayload(nested(101))).toEqual(tooDeep);
    expect(parsePayload(`{"a":${nested(99)}}`)).toEqual({ ok: true, value: `{"a":${nested(99)}}` });
    expect(parsePayload(`{"a":${nested(100)}}`)).toEqual(tooDeep);
    expect(parsePayload(`{"$value":${nested(100)},"$note":"n"}`)).toEqual({ ok: true, value: nested(100), note: "n" });
    expect(parsePayload(`{"$value":${nested(101)}}`)).toEqual(tooDeep);
    expect(parsePayload(`{"$meta":{"a":${nested(99)}}}`)).toEqual({ ok: true, value: null, meta: `{"a":${nested(99)}}` });
    expect(parsePayload(`{"$meta":{"a":${nested(100)}}}`)).toEqual(tooDeep);
    // Kept beside a reserved key, the object itself is the value: its own depth counts.
    expect(parsePayload(`{"a":${nested(100)},"$note":"n"}`)).toEqual(tooDeep);
    expect(parsePayload(`{"a":${nested(99)},"$params":{"lr":[${nested(98)}]}}`)).toEqual({
      ok: true,
      value: `{"a":${nested(99)}}`,
      params: `{"lr":[${nested(98)}]}`,
    });
  });

  test("takes $note and $meta out of the value", () => {
    expect(parsePayload('{"loss": 1, "$note": "warm-up", "$meta": {"lr": 0.1}}')).toEqual({
      ok: true,
      value: '{"loss": 1}',
      note: "warm-up",
      meta: '{"lr": 0.1}',
    });
    expect(parsePayload('{"$meta": {"lr": NaN}}')).toEqual({ ok: true, value: null, meta: '{"lr": "NaN"}', nonFinite: true });
    expect(parsePayload('{"$note": "hi"}')).toEqual({ ok: true, value: null, note: "hi" });
  });

  test("keeps a __proto__ key as data", () => {
    expect(parsePayload('{"__proto__": {"x": 1}, "$note": "n"}')).toEqual({ ok: true, value: '{"__proto__": {"x": 1}}', note: "n" });
  });

  test("keeps the rest of the payload as written: big integers, long decimals, strings with braces", () => {
    const text =
      '{"$note": "a {note}, with \\"quotes\\"", "big": 12345678901234567890, "inf": 1e400, "s": "x,}]", "$meta": {"seed": 98765432109876543210}, "n": [1, {"a": 2}]}';
    expect(parsePayload(text)).toEqual({
      ok: true,
      value: '{"big": 12345678901234567890,"inf": 1e400,"s": "x,}]","n": [1, {"a": 2}]}',
      note: 'a {note}, with "quotes"',
      meta: '{"seed": 98765432109876543210}',
    });
  });

  test.each([["{loss: 1}"], [""], ['{"a": 1'], ["NaNa"], ['{"a": nan}'], ["{NaN: 1}"], ['{"a": 1, Infinity : 2}']])("rejects what is not JSON: %s", (text) => {
    const result = parsePayload(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toStartWith("invalid JSON");
  });

  test("$value is the tracked value itself: a scalar with a note, an object holding reserved keys as data", () => {
    expect(parsePayload('{"$value": 0.5, "$note": "lr"}')).toEqual({ ok: true, value: "0.5", note: "lr" });
    expect(parsePayload('{"$value": {"$note": 3, "a": [1]}}')).toEqual({ ok: true, value: '{"$note": 3, "a": [1]}' });
    expect(parsePayload('{"$value": null, "$meta": {"x": 1}}')).toEqual({ ok: true, value: "null", meta: '{"x": 1}' });
    expect(parsePayload('{"$value": 1, "b": 2}')).toEqual({ ok: false, reason: '"$value" cannot share its object with other keys' });
  });

  test("rejects a $note that is not a string and a $meta that is not an object", () => {
    expect(parsePayload('{"$note": 3}')).toEqual({ ok: false, reason: '"$note" must be a string' });
    expect(parsePayload('{"$meta": [1]}')).toEqual({ ok: false, reason: '"$meta" must be an object' });
  });
});

describe("quoteNonFinite", () => {
  test("skips escaped quotes inside strings", () => {
    expect(quoteNonFinite('["a\\"NaN", NaN]')).toBe('["a\\"NaN", "NaN"]');
  });
});
