import { describe, expect, test } from "bun:test";
import { parsePath, valuesAt } from "../../../src/core/query/value-paths";
import { firstNonFinitePath } from "../../../src/core/rules/divergence";

describe("where a run diverged", () => {
  test("names the first non-finite leaf as every command reads a path, odd keys quoted", () => {
    expect(firstNonFinitePath({ step: 1, metrics: { loss: "NaN" } })).toBe("metrics.loss");
    expect(firstNonFinitePath({ layers: [{ loss: 1 }, { loss: "Infinity" }] })).toBe("layers[].loss");
    expect(firstNonFinitePath("NaN")).toBe("value");
    // Before, the flat key read as the finite nested leaf beside it: m.layer.0.norm.
    const tracked = { m: { "layer.0.norm": "NaN", layer: { "0": { norm: 1 } } } };
    const path = firstNonFinitePath(tracked)!;
    expect(path).toBe("m.`layer.0.norm`");
    expect(valuesAt(tracked, parsePath(path))).toEqual(["NaN"]);
    expect(firstNonFinitePath({ "5": "NaN" })).toBe("`5`");
  });
});
