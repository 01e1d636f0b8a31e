import { describe, expect, test } from "bun:test";
import { sampleStats } from "../../../src/core/loop/numbers";
import { criticalT, pooledNoise, pooledStd, welchNoise } from "../../../src/core/loop/welch";

describe("the verdict's rule", () => {
  test("t at 0.975 by degrees of freedom, rounded down, never under the normal's 1.96", () => {
    expect([1, 2, 4, 10, 30].map(criticalT)).toEqual([12.706, 4.303, 2.776, 2.228, 2.042]);
    expect(criticalT(4.9)).toBe(2.776);
    expect(criticalT(0.3)).toBe(12.706);
    expect(criticalT(50)).toBeCloseTo(2.0105, 4);
    expect(criticalT(1e6)).toBe(1.98);
  });

  test("Welch's standard error and degrees of freedom", () => {
    const noise = welchNoise({ n: 4, std: 1 }, { n: 4, std: 1 });
    expect(noise.std_error).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(noise.df).toBeCloseTo(6, 12);
    const unequal = welchNoise({ n: 3, std: 2 }, { n: 10, std: 0.5 });
    const [va, vb] = [4 / 3, 0.25 / 10];
    expect(unequal.df).toBeCloseTo((va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 9), 12);
    expect(welchNoise({ n: 2, std: 0 }, { n: 3, std: 0 })).toEqual({ std_error: 0, df: 3 });
  });

  test("pooled spread of several samples", () => {
    expect(
      pooledStd([
        { n: 3, std: 1 },
        { n: 5, std: 2 },
      ]),
    ).toEqual({ std: Math.sqrt((2 * 1 + 4 * 4) / 6), df: 6 });
    expect(pooledStd([{ n: 1, std: 0 }])).toBeNull();
    expect(pooledNoise(2, 5, 1, 1).std_error).toBeCloseTo(2 * Math.SQRT2, 12);
  });

  test("sample statistics leave non-finite values out", () => {
    expect(sampleStats([1, 2, 3, Number.NaN, Number.POSITIVE_INFINITY])).toEqual({ n: 3, mean: 2, std: 1, min: 1, max: 3 });
    expect(sampleStats([5])).toEqual({ n: 1, mean: 5, std: null, min: 5, max: 5 });
    expect(sampleStats([])).toEqual({ n: 0, mean: null, std: null, min: null, max: null });
  });
});
