import { describe, expect, test } from "bun:test";
import type { ProjectConfig } from "../../../src/core/config";
import { findGoal } from "../../../src/core/loop/goal";
import { DEFAULT_SEED_PARAMS, replicateSettings, seedParamOf } from "../../../src/core/loop/replicates";

const config = (goal?: ProjectConfig["goal"]): ProjectConfig => ({ source: "test", ...(goal && { goal }) });

describe("the goal metric", () => {
  test.each([
    [{}, config({ metric: "val_bpb", direction: "min" }), { metric: "val_bpb", direction: "min", source: "config", direction_guessed: false }],
    [{ metric: "acc" }, config({ metric: "val_bpb", direction: "min" }), { metric: "acc", direction: "max", source: "given", direction_guessed: true }],
    [
      { metric: "val_bpb" },
      config({ metric: "val_bpb", direction: "max" }),
      { metric: "val_bpb", direction: "max", source: "given", direction_guessed: false },
    ],
    [{ metric: "loss", direction: "max" as const }, null, { metric: "loss", direction: "max", source: "given", direction_guessed: false }],
    [{}, config({ metric: "train_loss" }), { metric: "train_loss", direction: "min", source: "config", direction_guessed: true }],
  ])("%j with config %j", (request, projectConfig, expected) => {
    expect(findGoal(request, () => projectConfig)).toMatchObject(expected);
  });

  test("none given and none configured: null; a metric and direction given never read the config", () => {
    expect(findGoal({}, () => null)).toBeNull();
    expect(
      findGoal({ metric: "acc", direction: "max" }, () => {
        throw new Error("read");
      }),
    ).toMatchObject({ metric: "acc" });
  });
});

describe("replicates", () => {
  test("the seed param is the first of the names the run has", () => {
    expect(seedParamOf({ lr: 1, random_seed: 3, seed: 2 }, DEFAULT_SEED_PARAMS)).toBe("seed");
    expect(seedParamOf({ lr: 1, random_seed: 3 }, DEFAULT_SEED_PARAMS)).toBe("random_seed");
    expect(seedParamOf({ lr: 1 }, DEFAULT_SEED_PARAMS)).toBeNull();
  });

  test.each([
    [{ seed: 7 }, 3, [["seed=8"], ["seed=9"], ["seed=10"]]],
    [{ seed: "abc" }, 2, [["seed=1"], ["seed=2"]]],
    [{ trial: 0 }, 2, [["trial=1"], ["trial=2"]]],
    [{ lr: 0.1 }, 2, [[], []]],
  ])("%j, %d replicates: %j", (params, count, expected) => {
    expect(replicateSettings(params, ["seed", "trial"], count)).toEqual(expected);
  });

  test("seeds a replicate already has are passed over", () => {
    expect(replicateSettings({ seed: 7 }, ["seed"], 3, new Set([7, 8, 10]))).toEqual([["seed=9"], ["seed=11"], ["seed=12"]]);
    expect(replicateSettings({ seed: "abc" }, ["seed"], 2, new Set(["abc", 1]))).toEqual([["seed=2"], ["seed=3"]]);
  });
});
