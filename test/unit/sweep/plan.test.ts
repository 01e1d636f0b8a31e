import { describe, expect, test } from "bun:test";
import { UserError } from "../../../src/core/errors";
import { parseDevices, planSweep, slotCount } from "../../../src/core/sweep/plan";

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error("did not fail");
}

describe("planSweep", () => {
  test("one run per point, in order, each command with its values", () => {
    const { runs, unusedKeys } = planSweep(
      ["python", "train.py", "--lr", "{lr}", "--out=run-{lr}-{seed}"],
      [
        { lr: 0.1, seed: 1, bs: 32 },
        { lr: 0.01, seed: 2, bs: 32 },
      ],
    );
    expect(runs).toEqual([
      { index: 0, point: { lr: 0.1, seed: 1, bs: 32 }, command: ["python", "train.py", "--lr", "0.1", "--out=run-0.1-1"] },
      { index: 1, point: { lr: 0.01, seed: 2, bs: 32 }, command: ["python", "train.py", "--lr", "0.01", "--out=run-0.01-2"] },
    ]);
    expect(unusedKeys).toEqual(["bs"]);
  });
});

describe("parseDevices", () => {
  test.each([
    ["0,1", ["0", "1"]],
    [" 2 , 3 ", ["2", "3"]],
    ["GPU-8f1e,GPU-77aa", ["GPU-8f1e", "GPU-77aa"]],
  ])("%s", (text, devices) => {
    expect(parseDevices(text)).toEqual(devices);
  });

  test.each([
    ["0,,1", '--gpus expects devices separated by commas, got "0,,1"'],
    ["0,1,0", "--gpus lists device 0 twice"],
  ])("%s is refused", (text, message) => {
    expect(usageMessage(() => parseDevices(text))).toBe(message);
  });
});

describe("slotCount", () => {
  test.each([
    [undefined, null, 1],
    [3, null, 3],
    [undefined, ["0", "1"], 2],
    [1, ["0", "1"], 1],
  ] as const)("-j %p with devices %p: %p slots", (jobs, devices, slots) => {
    expect(slotCount(jobs, devices === null ? null : [...devices])).toBe(slots);
  });

  test("more slots than devices is refused: each slot has its own", () => {
    expect(usageMessage(() => slotCount(3, ["0", "1"]))).toBe("-j 3 needs 3 devices, --gpus gives 2");
  });
});
