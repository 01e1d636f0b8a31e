import { describe, expect, test } from "bun:test";
import { asNumber, leaves, parsePath, valuesAt } from "../../../src/core/query/value-paths";

describe("value paths", () => {
  const value = { metrics: { acc: 0.9 }, layers: [{ loss: 1 }, { loss: "NaN" }], tags: ["a", "b"] };

  test.each([
    ["metrics.acc", [0.9]],
    ["value.metrics.acc", [0.9]],
    ["layers[].loss", [1, "NaN"]],
    ["tags", [["a", "b"]]],
    ["metrics.missing", []],
    ["value", [value]],
  ])("%s", (path, expected) => {
    expect(valuesAt(value, parsePath(path))).toEqual(expected);
  });

  test("lists of numbers are one leaf; lists of objects are walked with []", () => {
    expect(leaves(value)).toEqual([
      ["metrics.acc", 0.9],
      ["layers[].loss", 1],
      ["layers[].loss", "NaN"],
      ["tags", ["a", "b"]],
    ]);
    expect(leaves(3)).toEqual([["value", 3]]);
  });

  test("non-finite numbers come back from their stored strings", () => {
    expect([asNumber("NaN"), asNumber("Infinity"), asNumber("-Infinity"), asNumber("nan"), asNumber(2)]).toEqual([NaN, Infinity, -Infinity, null, 2]);
  });

  test.each([["a..b"], [""], ["a[]b"], ["a[b]"]])("rejects the malformed path %p", (path) => {
    expect(() => parsePath(path)).toThrow("is not a value path");
  });
});
