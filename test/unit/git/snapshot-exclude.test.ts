import { describe, expect, test } from "bun:test";
import { isExcluded } from "../../../src/core/git/status";

describe("snapshot-exclude globs", () => {
  test.each([
    ["model.ckpt", "*.ckpt", true],
    ["runs/3/model.ckpt", "*.ckpt", true],
    ["model.ckpt.txt", "*.ckpt", false],
    ["data/a/b.csv", "data/**", true],
    ["data/a/b.csv", "data/", true],
    ["data/a/b.csv", "/data/", true],
    ["src/data/a.csv", "data/", false],
    ["datasets/a.csv", "data/", false],
    ["src/a.ckpt", "**/*.ckpt", true],
    ["a.ckpt", "**/*.ckpt", true],
    ["out/x.bin", "out/*.bin", true],
    ["out/deep/x.bin", "out/*.bin", false],
  ])("%s against %s: %p", (path, glob, excluded) => {
    expect(isExcluded(path, [glob])).toBe(excluded);
  });

  test("any one of several globs excludes", () => {
    expect(isExcluded("w.pt", ["*.ckpt", "*.pt"])).toBe(true);
    expect(isExcluded("w.py", ["*.ckpt", "*.pt"])).toBe(false);
  });
});
