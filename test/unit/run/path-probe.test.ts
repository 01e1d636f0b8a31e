import { describe, expect, test } from "bun:test";
import { valuesAt } from "../../../src/core/query/value-paths";
import { readNumber } from "../../../src/core/run/json-number";
import { PathProbe } from "../../../src/core/run/path-probe";
import { isPlainJson, isPlainJsonProbed, MAX_DEPTH } from "../../../src/core/run/plain-json";
import { seededRandom } from "../../seeded-random";
import { damaged, hostileValue } from "./hostile-records";

const PATHS = [[{ key: "loss" }], [{ key: "metrics" }, { key: "loss" }], [{ key: "metrics" }, { key: "acc" }], [{ key: "step" }]];

/** What the probe found in a line, path by path: undefined where it found nothing; "complex" when it gave up. */
function probed(line: string): unknown[] | "complex" | "not plain" {
  const probe = PathProbe.of(PATHS, MAX_DEPTH)!;
  const bytes = Buffer.from(line);
  if (!isPlainJsonProbed(bytes, 0, bytes.length, probe)) return "not plain";
  if (probe.complex) return "complex";
  return PATHS.map((_, index) => probe.value(bytes, index));
}

/** The same, the slow way: JSON.parse and valuesAt, the last of duplicate keys winning. */
const parsed = (line: string) => PATHS.map((steps) => valuesAt(JSON.parse(line), steps)[0]);

describe("PathProbe: the values at watched paths, found while a line is checked", () => {
  test.each([
    '{"step": 3, "metrics": {"loss": 0.25, "acc": 0.5}}',
    '{"loss": -1.5e-3, "metrics": {"acc": true}}',
    '{"metrics": {"inner": {"loss": 9}}, "loss": "text", "step": null}',
    '{"other": {"loss": 7, "metrics": {"loss": 8}}, "metrics": {"loss": 0.1}}',
    '{"loss": 1, "loss": 2}',
    '{"list": [{"loss": 5}, 3, "x"], "step": 12345678901234567890}',
    '{"loss": "with \\"escapes\\" \\u00e9"}',
    "[1, 2, 3]",
    "42",
    '{"metrics": [1, 2], "loss": 0.30000000000000004}',
    '{"metrics": {}, "step": -0}',
    // Duplicate keys: the last wins, also over what was found inside the first
    '{"metrics": {"loss": 1}, "metrics": {"acc": 2}}',
    '{"metrics": {"loss": 1}, "metrics": 5}',
    '{"metrics": {"loss": 1}, "metrics": [{"loss": 4}]}',
    '{"metrics": {"loss": 1}, "metrics": {"loss": 3}}',
    '{"metrics": {"loss": 1, "loss": 2, "acc": 0.5}, "step": 1, "step": 2}',
    '{"metrics": 5, "metrics": {"loss": 1}}',
    '{"metrics": {"loss": 1, "acc": 2}, "metrics": {"acc": 3}, "loss": 6, "loss": null}',
    // Keys told apart by length, keys of the same length, key text inside strings, nesting, whitespace
    '{"lost": 1, "metrics": {"lozz": 2, "loss": 3, "accuracy": 4}, "steps": 5}',
    '{"note": "\\"loss\\": 5, \\"metrics\\": {\\"loss\\": 6}", "metrics": {"loss": 1}}',
    '{"metrics": {"metrics": {"loss": 1}}, "other": {"loss": 2}}',
    '{ "metrics" :\n{ "loss" :\t-1.5E+3 } , "loss":-0 , "step" : 1e300 }',
  ])("%s reads as JSON.parse reads it", (line) => {
    expect(probed(line)).toEqual(parsed(line));
  });

  test("a watched value that is an object, or a key written with escapes, gives up: the line is parsed instead", () => {
    expect(probed('{"loss": {"train": 1}}')).toBe("complex");
    expect(probed('{"metrics": {"lo\\u0073s": 1}}')).toBe("complex");
    expect(probed('{"metrics": {"\\u0061cc": 1}}')).toBe("complex");
    // An escape as short as two bytes spells one character: `a\/b` is the key a/b, one byte longer.
    const slash = PathProbe.of([[{ key: "x" }, { key: "a/b" }]], MAX_DEPTH)!;
    const escaped = Buffer.from('{"x": {"a\\/b": 1}}');
    expect(isPlainJsonProbed(escaped, 0, escaped.length, slash) && slash.complex).toBe(true);
    // Keys as long as the length mask is wide, and longer: found when written plainly, given up when escaped.
    for (const length of [31, 32, 33, 40]) {
      const key = "k".repeat(length);
      const long = PathProbe.of([[{ key: "x" }, { key }]], MAX_DEPTH)!;
      const plain = Buffer.from(`{"x": {"${key}": 7}}`);
      expect(isPlainJsonProbed(plain, 0, plain.length, long) && !long.complex && long.value(plain, 0)).toBe(7);
      const spelled = Buffer.from(`{"x": {"\\u006b${"k".repeat(length - 1)}": 7}}`);
      expect(isPlainJsonProbed(spelled, 0, spelled.length, long) && long.complex).toBe(true);
    }
    // Too short to spell a watched key, escaped or not: the line stays on the fast path.
    expect(probed('{"metrics": {"\\t": 2, "a\\"": 1, "loss": 3}}')).toEqual([undefined, 3, undefined, undefined]);
  });

  test("generated hostile records, whole and damaged: plain exactly when isPlainJson says so, with the values JSON.parse reads", () => {
    const random = seededRandom(11);
    // One probe for every line, as a run uses it: nothing of one line may linger into the next.
    const probe = PathProbe.of(PATHS, MAX_DEPTH)!;
    let found = 0;
    for (let round = 0; round < 30000; round++) {
      const whole = hostileValue(random);
      for (const line of [whole, damaged(random, whole)]) {
        const bytes = Buffer.from(line);
        const plain = isPlainJsonProbed(bytes, 0, bytes.length, probe);
        expect({ line, plain }).toEqual({ line, plain: isPlainJson(bytes, 0, bytes.length) });
        if (!plain || probe.complex) continue;
        const values = PATHS.map((_, index) => probe.value(bytes, index));
        expect({ line, values }).toEqual({ line, values: parsed(line) });
        if (values.some((value) => value !== undefined)) found++;
      }
    }
    // The fast path was taken, and found values, on a good share of the lines.
    expect(found).toBeGreaterThan(3000);
  });

  test("paths through lists, or the whole value, need every line parsed: no probe", () => {
    expect(PathProbe.of([[{ key: "layers" }, { each: true }]], MAX_DEPTH)).toBeNull();
    expect(PathProbe.of([[]], MAX_DEPTH)).toBeNull();
  });
});

describe("readNumber", () => {
  test("reads every JSON number exactly as Number() does", () => {
    const random = seededRandom(7);
    const samples = ["0", "-0", "1", "-12.5", "1e3", "2.5E-7", "0.1", "123456789012345", "1234567890123456789", "0.30000000000000004", "1e-400", "1e400"];
    for (let i = 0; i < 20000; i++) {
      const x = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
      samples.push(String(x), x.toFixed(Math.floor(random() * 10)), x.toPrecision(1 + Math.floor(random() * 20)));
    }
    for (const text of samples) expect([text, readNumber(Buffer.from(text), 0, text.length)]).toEqual([text, Number(text)]);
  });
});
