import { describe, expect, test } from "bun:test";
import { ChartSampler, MovingAverage, parseSmooth, parseXAxis } from "../../../src/core/query/plot";

function sampled(ys: number[], max: number) {
  const sampler = new ChartSampler(max);
  for (const [x, y] of ys.entries()) sampler.add(x, y);
  return sampler;
}

describe("ChartSampler: what a chart draws of a series read once", () => {
  test("up to max points: every point, gaps too, in order", () => {
    const ys = [3, Number.NaN, 1, 4, 1, 5];
    const sampler = sampled(ys, 6);
    expect(sampler.points()).toEqual(ys.map((y, x) => ({ x, y })));
    expect(sampler.length).toBe(6);
    expect(sampler.xRange()).toEqual([0, 5]);
  });

  test("past max: at most max points, in order, keeping the lowest, the highest and a lone gap", () => {
    const ys = Array.from({ length: 100_003 }, (_, i) => Math.sin(i / 1000));
    ys[31_337] = 50;
    ys[77_777] = -50;
    ys[4_242] = Number.NaN;
    const sampler = sampled(ys, 300);
    const points = sampler.points();
    expect(points.length).toBeLessThanOrEqual(300);
    expect(points.length).toBeGreaterThan(100);
    for (const [i, point] of points.entries()) {
      expect(Object.is(point.y, ys[point.x])).toBe(true);
      if (i) expect(point.x).toBeGreaterThan(points[i - 1]!.x);
    }
    expect(points).toContainEqual({ x: 31_337, y: 50 });
    expect(points).toContainEqual({ x: 77_777, y: -50 });
    expect(points).toContainEqual({ x: 4_242, y: Number.NaN });
    expect(points.at(-1)!.x).toBeGreaterThan(99_000);
    expect(sampler.length).toBe(100_003);
  });

  test("the first of equal lowest values is kept, as a stretch read whole would keep it", () => {
    const ys = Array.from({ length: 1000 }, () => 1);
    const points = sampled(ys, 9).points();
    expect(points.length).toBeLessThanOrEqual(9);
    expect(points[0]).toEqual({ x: 0, y: 1 });
  });

  test("no finite x: no range", () => {
    const sampler = new ChartSampler(10);
    sampler.add(Number.NaN, 1);
    expect(sampler.xRange()).toBeNull();
  });
});

describe("MovingAverage: --smooth N", () => {
  test("each value is the mean of the finite ones among the last N; a gap stays a gap", () => {
    const average = new MovingAverage(3);
    expect([1, 2, 3, 4, Number.NaN, 8, 9].map((y) => average.add(y))).toEqual([1, 1.5, 2, 3, Number.NaN, 6, 8.5]);
    // Long past many windows (the sum is kept running and redone once a window): still each window's mean.
    const long = new MovingAverage(4);
    const ys = Array.from({ length: 10_001 }, (_, i) => (i % 7 === 3 ? Number.NaN : 1e6 + (i % 5)));
    const averaged = ys.map((y) => long.add(y));
    for (const i of [4, 5, 9_998, 10_000]) {
      const window = ys.slice(Math.max(0, i - 3), i + 1).filter(Number.isFinite);
      expect(averaged[i]).toBeCloseTo(window.reduce((a, b) => a + b, 0) / window.length, 6);
    }
    expect(averaged[9_999]).toBeNaN();
    const none = new MovingAverage(1);
    expect([5, Number.NaN, -1].map((y) => none.add(y))).toEqual([5, Number.NaN, -1]);
  });

  test("--smooth and --x parse; a bad one is a usage error", () => {
    expect(parseSmooth(undefined)).toBe(1);
    expect(parseSmooth("10")).toBe(10);
    for (const bad of ["0", "-2", "2.5", "", "1e3", "100001"]) expect(() => parseSmooth(bad)).toThrow("--smooth must be a whole number of points, 1 to 100000");
    expect(parseXAxis(undefined)).toBe("step");
    expect(parseXAxis("time")).toBe("time");
    expect(parseXAxis("epoch")).toEqual({ path: "epoch", steps: [{ key: "epoch" }] });
    expect(() => parseXAxis("a..b")).toThrow("is not a value path");
  });
});
