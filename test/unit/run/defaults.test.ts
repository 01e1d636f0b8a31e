import { describe, expect, test } from "bun:test";
import { runDefaults } from "../../../src/core/run/defaults";
import { failureOf } from "../failure";

const flags = (extra: Record<string, string | boolean>) => ({ tag: [], "stop-when": [], ...extra });

describe("--system-every", () => {
  test.each([
    ["10", 10],
    ["0.05", 0.05],
    ["500ms", 0.5],
    ["2m", 120],
    ["86400", 86400],
  ])("reads %s as %d seconds, as every duration is read", (text, seconds) => {
    expect(runDefaults(flags({ "system-every": text }), null).systemEverySeconds).toBe(seconds);
  });

  test.each(["fast", "0.01", "86401", "-1", ""])("refuses %p, saying what it takes", (text) => {
    expect(failureOf(() => runDefaults(flags({ "system-every": text }), null))).toEqual([
      2,
      `--system-every must be a number of seconds from 0.05 to 86400, got "${text}"`,
    ]);
  });

  test("--no-system samples nothing, whatever --system-every says", () => {
    expect(runDefaults(flags({ system: false, "system-every": "fast" }), null).systemEverySeconds).toBeNull();
  });
});
