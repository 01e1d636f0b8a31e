import { describe, expect, test } from "bun:test";
import { exceedsDepth, parseRecord } from "../../../src/core/record/decode";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("exceedsDepth", () => {
  test("counts containers within containers, up to the limit and past it", () => {
    expect(exceedsDepth(nested(8), 8)).toBe(false);
    expect(exceedsDepth(nested(9), 8)).toBe(true);
    expect(exceedsDepth(`{"a":${nested(7)}}`, 8)).toBe(false);
    expect(exceedsDepth(`{"a":${nested(8)}}`, 8)).toBe(true);
  });

  test("many containers side by side are not deep; brackets in strings are not containers", () => {
    const wide = `[${Array.from({ length: 50 }, () => '{"a":[1]}').join(",")}]`;
    expect(exceedsDepth(wide, 8)).toBe(false);
    expect(exceedsDepth(`{"a":"${"[".repeat(40)}","b":"\\"${"{".repeat(40)}"}`, 8)).toBe(false);
    expect(exceedsDepth(`{"a":"${"[".repeat(40)}","b":${nested(9)}}`, 8)).toBe(true);
  });

  test("a long line with few containers is never walked deep, and still parses", () => {
    const line = JSON.stringify({ kind: "run_start", value: { packages: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`p${i}`, "1.0"])) } });
    expect(line.length).toBeGreaterThan(512);
    expect(exceedsDepth(line, 4)).toBe(false);
    expect(parseRecord(line)?.kind).toBe("run_start");
    expect(parseRecord(`{"kind":"x","v":${nested(600)}}`)).toBeNull();
  });
});
