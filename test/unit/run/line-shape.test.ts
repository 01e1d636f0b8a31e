import { describe, expect, test } from "bun:test";
import { LineShapes } from "../../../src/core/run/line-shape";
import { PathProbe } from "../../../src/core/run/path-probe";
import { isPlainJson, isPlainJsonProbed, MAX_DEPTH } from "../../../src/core/run/plain-json";
import { seededRandom } from "../../seeded-random";
import { damaged, hostileValue, reshaped } from "./hostile-records";

const PATHS = [[{ key: "loss" }], [{ key: "metrics" }, { key: "loss" }], [{ key: "metrics" }, { key: "acc" }], [{ key: "step" }]];

/** What a check left in its probe: per path where the value lies, and for a number its digits' and exponent's places. */
function found(probe: PathProbe, line: Buffer): unknown {
  if (probe.complex) return "complex";
  return PATHS.map((_, k) => {
    const start = probe.starts[k]!;
    if (start < 0) return null;
    const first = line[start]!;
    const number = first === 0x2d || (first >= 0x30 && first <= 0x39);
    return [start, probe.ends[k], number ? probe.integerEnds[k] : 0, number ? probe.exponentStarts[k] : 0];
  });
}

/** The full check's answer for a line, with a fresh probe: nothing of earlier lines in it. */
function fullCheck(line: Buffer): unknown {
  const probe = PathProbe.of(PATHS, MAX_DEPTH)!;
  const plain = isPlainJsonProbed(line, 0, line.length, probe);
  expect(plain).toBe(isPlainJson(line, 0, line.length));
  return plain ? found(probe, line) : "not plain";
}

function shapedCheck(shape: LineShapes, probe: PathProbe, line: Buffer): unknown {
  return shape.check(line, 0, line.length) ? found(probe, line) : "not plain";
}

describe("LineShapes: a line shaped as the last one is checked against it, as the full check would", () => {
  test("lines alike but for their values take the shape; others the full check, whose shape is kept for the next", () => {
    const probe = PathProbe.of(PATHS, MAX_DEPTH)!;
    const shape = new LineShapes(probe);
    const lines = [
      '{"step": 1, "metrics": {"loss": 0.5, "acc": 0.25}}',
      '{"step": 22, "metrics": {"loss": 1e-7, "acc": "text"}}',
      '{"step": null, "metrics": {"loss": -0, "acc": true}}',
      '{"step": 3, "metrics": {"loss": 0.5, "acc": {"x": 1}}}',
      '{"step": 4, "metrics": {"loss": 0.5, "acc": 2}}',
      '{"step": 3, "metrics": {"loss": 0.5, "acc": [1]}}',
      '{"step": 3, "metrics": {"loss": 0.5, "acc": 1}} ',
      '{"step": 3, "metrics": {"loss": 0.5, "acc": 1}}',
      '{"step": 3, "metrics": {"loss": 0.5, "acc": 1',
      '{"step": 3, "metrics": {"loss": 1e400, "acc": 1}}',
      '{"step": 3, "metrics": {"loss": 0.5, "acc": tru}}',
      '{"step": 3, "metrics": {"lozz": 0.5, "acc": 1}}',
      '{"step": 4, "metrics": {"lozz": 0.5, "acc": 2}}',
    ];
    const matched: boolean[] = [];
    for (const text of lines) {
      const line = Buffer.from(text);
      const before = shape.matched;
      expect([text, shapedCheck(shape, probe, line)]).toEqual([text, fullCheck(line)]);
      matched.push(shape.matched > before);
    }
    // A watched value that is an object leaves the probe complex and its line's shape unkept: the next line has the first's shape.
    // The eighth has it too, kept beside the shapes of the two before it.
    expect(matched).toEqual([false, true, true, false, true, false, false, true, false, false, false, false, true]);
  });

  for (const rationed of [false, true])
    test(`generated hostile records, reshaped and damaged in runs: each answered as the full check answers it${rationed ? " (shapes rationed, replaced as they go stale)" : ""}`, () => {
      const random = seededRandom(rationed ? 6 : 5);
      const probe = PathProbe.of(PATHS, MAX_DEPTH)!;
      const shape = new LineShapes(probe, rationed);
      let lines = 0;
      let valuesFound = 0;
      for (let round = 0; round < (rationed ? 500 : 6000); round++) {
        // Every third base (two in three, rationed) a record such as programs write, the watched paths in it; the rest anything.
        const programs = rationed ? round % 3 !== 0 : round % 3 === 0;
        const base = programs ? `{"step": 1, "metrics": {"loss": 0.5, "acc": 1, "x": ${hostileValue(random, 1)}}, "loss": 2}` : hostileValue(random);
        // Rationed, a base's runs are long, of several kinds in turn: shapes earn credit, go stale and are replaced.
        for (let k = 0; k < (rationed ? 100 : 6); k++) {
          const variant = k === 0 ? base : reshaped(random, base);
          const text = random() < 0.15 ? damaged(random, variant) : variant;
          const line = Buffer.from(text);
          const before = shape.matched;
          const answer = shapedCheck(shape, probe, line);
          expect({ text, answer }).toEqual({ text, answer: fullCheck(line) });
          lines++;
          if (shape.matched > before && Array.isArray(answer) && answer.some((value) => value !== null)) valuesFound++;
        }
      }
      // The shape answered for a good share of the lines, and found values in many of those; rationed,
      // with a shape changed in about a third of these lines, credit runs out and fewer lines try the shapes.
      expect(shape.matched).toBeGreaterThan(rationed ? lines / 40 : lines / 4);
      expect(valuesFound).toBeGreaterThan(rationed ? lines / 100 : lines / 12);
    });

  test("records of a few kinds in turn each keep their shape; records that never repeat one are kept rarely", () => {
    const kinds = ["loss", "val_loss", "lr"];
    const cycled = new LineShapes(PathProbe.of(PATHS, MAX_DEPTH)!);
    for (let i = 0; i < 300; i++) {
      const line = Buffer.from(`{"step": ${i}, "${kinds[i % 3]}": ${1 / (i + 1)}}`);
      expect(cycled.check(line, 0, line.length)).toBe(true);
    }
    expect(cycled.matched).toBe(297);
    // Each line a new shape, then its twin: keeping every new shape would fit every twin.
    const paired = new LineShapes(PathProbe.of(PATHS, MAX_DEPTH)!);
    for (let i = 0; i < 200; i++) {
      for (const value of [1, 2]) {
        const line = Buffer.from(`{"key_${i}": ${value}}`);
        expect(paired.check(line, 0, line.length)).toBe(true);
      }
    }
    expect(paired.matched).toBeGreaterThan(5);
    expect(paired.matched).toBeLessThan(100);
    // Regular records after those still get a shape, within TRY_EVERY lines.
    const before = paired.matched;
    for (let i = 0; i < 200; i++) {
      const line = Buffer.from(`{"step": ${i}, "loss": 0.5}`);
      expect(paired.check(line, 0, line.length)).toBe(true);
    }
    expect(paired.matched - before).toBeGreaterThan(130);
  });

  test("a line within a larger buffer is read only between its ends", () => {
    const probe = PathProbe.of(PATHS, MAX_DEPTH)!;
    const shape = new LineShapes(probe);
    const first = '{"metrics": {"loss": 1}}';
    const chunk = Buffer.from(`${first}\n{"metrics": {"loss": 2}}\n{"metrics": {"loss": 3}}5}\n`);
    expect(shape.check(chunk, 0, first.length)).toBe(true);
    expect(shape.check(chunk, first.length + 1, 2 * first.length + 1) && probe.value(chunk, 1)).toBe(2);
    // Cut one byte short of its end, or given one more: not the shape, and not plain.
    expect(shape.check(chunk, 2 * first.length + 2, 3 * first.length + 1)).toBe(false);
    expect(shape.check(chunk, 2 * first.length + 2, 3 * first.length + 3)).toBe(false);
    expect(shape.matched).toBe(1);
  });

  test("never reads a byte outside the line it is given, cut anywhere", () => {
    const text = '{"step": 12, "metrics": {"loss": 0.5, "acc": "x"}, "ok": true}';
    const whole = Buffer.from(`${text}\n${text}\n`);
    for (let cut = 0; cut <= text.length; cut++) {
      const probe = PathProbe.of(PATHS, MAX_DEPTH)!;
      const shape = new LineShapes(probe);
      expect(shape.check(whole, 0, text.length)).toBe(true);
      const start = text.length + 1;
      expect([cut, shape.check(onlyWithin(whole, start, start + cut), start, start + cut)]).toEqual([cut, cut === text.length]);
      expect(shape.matched).toBe(cut === text.length ? 1 : 0);
    }
  });
});

/** `bytes`, throwing when a byte outside `[start, end)` is read. */
function onlyWithin(bytes: Buffer, start: number, end: number): Buffer {
  return new Proxy(bytes, {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) {
        if (Number(key) < start || Number(key) >= end) throw new Error(`byte ${key} read, outside [${start}, ${end})`);
        return target[Number(key)];
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
