import { describe, expect, test } from "bun:test";
import { metricKey } from "../../../src/core/query/summary";
import { asNumber, keyText, leaves, misreadPath, parsePath, valuesAt } from "../../../src/core/query/value-paths";
import { parseOperand } from "../../../src/core/query/where";
import { splitOperandList } from "../../../src/core/query/where-tokens";

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

  test.each([["a..b"], [""], ["a[]b"], ["a[b]"], ["`a.b"], ["`a`b"], ["a.`b`c"]])("rejects the malformed path %p", (path) => {
    expect(() => parsePath(path)).toThrow("is not a value path");
  });

  describe("keys --where cannot read bare: a dot, a bracket, a backtick, a space...", () => {
    const odd = { "layer.0.norm": 1.5, layer: { "0": { norm: 9 } }, "a b": 2, "x[1]": 3, "tick`": 4, "": 5, "back\\slash": 6 };

    test("are written in backticks, so a flat key and the nested path it looks like stay two paths", () => {
      expect(leaves(odd)).toEqual([
        ["`layer.0.norm`", 1.5],
        ["layer.0.norm", 9],
        ["`a b`", 2],
        ["`x[1]`", 3],
        ["`tick\\``", 4],
        ["``", 5],
        ["`back\\\\slash`", 6],
      ]);
    });

    test("each path paths shows reads back to its own value, and a summary keys its last value by the same text", () => {
      for (const [path, leaf] of leaves(odd)) {
        expect(valuesAt(odd, parsePath(path))).toEqual([leaf]);
        expect(metricKey(parsePath(path))).toBe(path);
      }
      expect(valuesAt({ metrics: odd }, parsePath("metrics.`layer.0.norm`"))).toEqual([1.5]);
      expect(valuesAt({ value: { x: 1 } }, parsePath("`value`.x"))).toEqual([1]);
    });

    test("--where, --sort and --columns read every path keyText writes, commas inside quotes included", () => {
      const keys = ["a.b", "`", "[]", "a b", "lr,wd", "x=y", "max(acc)", "σ", "it's", 'say "hi"', ""];
      for (const key of keys) expect(parseOperand(`m.${keyText(key)}`, "--where").segments).toEqual([{ key: "m" }, { key }]);
      expect(splitOperandList(keys.map((key) => `m.${keyText(key)}`).join(","))).toEqual(keys.map((key) => `m.${keyText(key)}`));
      expect(splitOperandList("params.lr, max(metrics.acc) ,m.`lr,wd`")).toEqual(["params.lr", "max(metrics.acc)", "m.`lr,wd`"]);
    });

    test("a first key --where would read as a number or a keyword is quoted; a first key value is value.value", () => {
      const top = { "5": 1, not: 2, True: 3, value: { q: 4 }, "1e3": 5, acc: 6 };
      const paths = leaves(top);
      expect(paths.map(([path]) => path)).toEqual(["`5`", "`not`", "`True`", "value.value.q", "`1e3`", "acc"]);
      for (const [path, leaf] of paths) {
        expect(valuesAt(top, parsePath(path))).toEqual([leaf]);
        expect(metricKey(parsePath(path))).toBe(path);
        const { segments } = parseOperand(path, "--where");
        // --where reads value. as the tracked value's prefix, as resolveOperand does.
        const steps = segments[0] && "key" in segments[0] && segments[0].key === "value" ? segments.slice(1) : segments;
        expect(valuesAt(top, steps)).toEqual([leaf]);
      }
    });

    test("a key --where reads bare stays bare; any other is quoted, and any key survives the round trip", () => {
      expect(["acc", "val/acc", "top-1", "σ", "loss_2", "$x"].map((key) => keyText(key))).toEqual(["acc", "val/acc", "top-1", "σ", "loss_2", "$x"]);
      expect(["a b", "acc@1", "x=y", "lr,wd", "é!"].map((key) => keyText(key))).toEqual(["`a b`", "`acc@1`", "`x=y`", "`lr,wd`", "`é!`"]);
      for (const key of ["a.b", "`", "\\`", "[]", ".", "a`b.c", "\\", "ü.ß", " ", "lr,wd", "x=y", "max(acc)", "σ", "top-1", "val/acc"])
        expect(parsePath(`m.${keyText(key)}`)).toEqual([{ key: "m" }, { key }]);
    });
  });

  test.each([
    ["max(metrics.acc)", { kind: "aggregate", path: "metrics.acc", aggregate: "max" }],
    ["Mean( val_loss )", { kind: "aggregate", path: "val_loss", aggregate: "mean" }],
    ["metrics.acc > 0.9", { kind: "condition", path: "metrics.acc" }],
    ["status=ok", { kind: "condition", path: "status" }],
    ["a and b", { kind: "condition", path: "a and b" }],
    ["metrics.acc", null],
    ["val/acc@1", null],
    ["maximum(x", null],
    ["a b", null],
  ])("what %p was likely meant as: %p", (text, expected) => {
    expect(misreadPath(text)).toEqual(expected as ReturnType<typeof misreadPath>);
  });
});
