import { describe, expect, test } from "bun:test";
import { checkTags } from "../../../src/core/record/annotations";
import { failureOf } from "../failure";

describe("checkTags", () => {
  test("keeps tags that are one word", () => {
    expect(checkTags(["best", "sweep:lr", "ü"])).toEqual(["best", "sweep:lr", "ü"]);
  });

  test("names the first word that is not a tag, and the option that gave it", () => {
    const why = "is not a tag: one word, no spaces or control characters, at most 100 characters";
    expect(failureOf(() => checkTags(["ok", "two words", "x\ty"]))).toEqual([2, `'two words' ${why}`]);
    expect(failureOf(() => checkTags(["a".repeat(101)], "--tag"))).toEqual([2, `--tag '${"a".repeat(101)}' ${why}`]);
    expect(failureOf(() => checkTags([""], "--tag"))).toEqual([2, `--tag '' ${why}`]);
  });
});
