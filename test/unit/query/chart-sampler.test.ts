import { describe, expect, test } from "bun:test";
import { ChartSampler } from "../../../src/core/query/plot";

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
