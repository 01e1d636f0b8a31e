import { describe, expect, test } from "bun:test";
import { closestWords, didYouMean, editDistance } from "../../../src/core/suggest";

const COMMANDS = ["run", "ls", "show", "paths", "values", "best", "compare", "log", "tag", "note", "rm", "checkout", "diff", "gc", "skill", "plot", "help"];

describe("did you mean", () => {
  test.each([
    ["json", "json", 0],
    ["jsno", "json", 1],
    ["lss", "ls", 1],
    ["", "ls", 2],
    ["kitten", "sitting", 3],
  ])("%p is %p edits from %p", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });

  test.each([
    ["lss", ["ls"]],
    ["sl", ["ls"]],
    ["shwo", ["show"]],
    ["valeus", ["values"]],
    ["chekout", ["checkout"]],
    ["compar", ["compare"]],
    ["LS", ["ls"]],
    ["lg", ["log", "ls"]],
    ["plo", ["plot"]],
    ["check", ["checkout"]],
    ["xyzzy", []],
    ["", []],
  ])("%p suggests %p", (typed, expected) => {
    expect(closestWords(typed, COMMANDS).sort()).toEqual(expected);
  });

  test("the hint reads as a question, naming up to three", () => {
    expect(didYouMean("lss", COMMANDS)).toBe("did you mean 'ls'?");
    expect(didYouMean("lg", COMMANDS)).toBe("did you mean 'ls' or 'log'?");
    expect(didYouMean("jsno", ["json", "name"], (word) => `--${word}`)).toBe("did you mean --json?");
    expect(didYouMean("ab", ["ac", "ad", "ae", "af"])).toBe("did you mean 'ac', 'ad' or 'ae'?");
    expect(didYouMean("zzzz", COMMANDS)).toBeNull();
  });

  test("a word of megabytes is answered at once, with no suggestion; one a character off a long candidate still gets one", () => {
    // A table of both lengths (what the distance builds) would not even fit in memory.
    const huge = "x".repeat(9 * 1024 * 1024);
    expect(closestWords(huge, ["metrics.acc", "x".repeat(9 * 1024 * 1024 - 1)])).toEqual([]);
    const long = `metrics.${"a".repeat(200)}`;
    expect(closestWords(`${long}x`, [long, "metrics.acc"])).toEqual([long]);
  });
});
