import { describe, expect, test } from "bun:test";
import {
  describePoint,
  gridPoints,
  parseGrid,
  parseRange,
  parseSweepSpace,
  type Range,
  randomPoints,
  renderValue,
  substitute,
  sweepPoints,
} from "../../../src/core/sweep/points";
import { failureOf } from "../failure";

const usageFailure = failureOf;

describe("parseGrid", () => {
  test.each([
    ["lr=0.1,0.03,0.01", { key: "lr", values: [0.1, 0.03, 0.01] }],
    ["bs=32, 64", { key: "bs", values: [32, 64] }],
    ["opt=adam,sgd", { key: "opt", values: ["adam", "sgd"] }],
    ["fast=true,false,null", { key: "fast", values: [true, false, null] }],
    ["lr=1e-5,-2", { key: "lr", values: [0.00001, -2] }],
    ["id=01,007", { key: "id", values: ["01", "007"] }],
    ["big=1e999", { key: "big", values: ["1e999"] }],
    ["seed=12345678901234567890,9007199254740993,9007199254740991", { key: "seed", values: ["12345678901234567890", "9007199254740993", 9007199254740991] }],
    ["eq=a=b", { key: "eq", values: ["a=b"] }],
    ["model.depth=4", { key: "model.depth", values: [4] }],
  ])("%s", (text, expected) => {
    expect(parseGrid(text)).toEqual(expected);
  });

  test.each([
    ["lr", '--grid expects KEY=V1,V2,..., got "lr"'],
    ["=1,2", '--grid expects KEY=V1,V2,..., got "=1,2"'],
    ["lr=", "--grid lr=: a value is empty"],
    ["lr=0.1,,0.3", "--grid lr=0.1,,0.3: a value is empty"],
    ["lr=0.1,0.10", "--grid lr=0.1,0.10: 0.10 is listed twice"],
    ["{lr}=1", "--grid {lr}=1: a key may not hold braces or spaces"],
    ["l r=1", "--grid l r=1: a key may not hold braces or spaces"],
  ])("rejects %p with a usage error", (text, message) => {
    expect(usageFailure(() => parseGrid(text))).toEqual([2, message]);
  });
});

describe("parseRange", () => {
  test.each([
    ["lr=1e-4:1e-1:log", { key: "lr", low: 0.0001, high: 0.1, log: true }],
    ["dropout=0:0.5", { key: "dropout", low: 0, high: 0.5, log: false }],
    ["shift=-1:1", { key: "shift", low: -1, high: 1, log: false }],
  ])("%s", (text, expected) => {
    expect(parseRange(text)).toEqual(expected);
  });

  test.each([
    ["lr=1:0", "--range lr=1:0: LO must be below HI"],
    ["lr=1:1", "--range lr=1:1: LO must be below HI"],
    ["lr=0:1:log", "--range lr=0:1:log: a log range needs LO above 0"],
    ["lr=-1:1:log", "--range lr=-1:1:log: a log range needs LO above 0"],
    ["lr=0.1", "--range lr=0.1: expects KEY=LO:HI or KEY=LO:HI:log"],
    ["lr=0:1:log:x", "--range lr=0:1:log:x: expects KEY=LO:HI or KEY=LO:HI:log"],
    ["lr=0:1:int", '--range lr=0:1:int: the third part may only be log, got "int"'],
    ["lr=a:1", "--range lr=a:1: LO is not a number"],
    ["lr=:1", "--range lr=:1: LO is not a number"],
    ["lr=0:inf", "--range lr=0:inf: HI is not a number"],
    ["lr=0:Infinity", "--range lr=0:Infinity: HI is not a number"],
    ["0:1", '--range expects KEY=LO:HI[:log], got "0:1"'],
  ])("rejects %p with a usage error", (text, message) => {
    expect(usageFailure(() => parseRange(text))).toEqual([2, message]);
  });
});

describe("parseSweepSpace", () => {
  test("parses every flag", () => {
    expect(parseSweepSpace(["bs=32,64"], ["lr=0.1:1"])).toEqual({
      grids: [{ key: "bs", values: [32, 64] }],
      ranges: [{ key: "lr", low: 0.1, high: 1, log: false }],
    });
  });

  test.each([
    [["lr=1,2", "lr=3"], []],
    [["lr=1,2"], ["lr=0:1"]],
    [[], ["lr=0:1", "lr=1:2"]],
  ])("rejects a key given twice: %p %p", (grids, ranges) => {
    expect(usageFailure(() => parseSweepSpace(grids, ranges))).toEqual([2, "lr is given by more than one --grid or --range"]);
  });
});

describe("gridPoints", () => {
  test("crosses the grids, the first flag varying slowest, values in order", () => {
    const points = gridPoints([parseGrid("lr=0.1,0.03,0.01"), parseGrid("bs=32,64")]);
    expect(points).toEqual([
      { lr: 0.1, bs: 32 },
      { lr: 0.1, bs: 64 },
      { lr: 0.03, bs: 32 },
      { lr: 0.03, bs: 64 },
      { lr: 0.01, bs: 32 },
      { lr: 0.01, bs: 64 },
    ]);
  });

  test.each([
    [["a=1"], 1],
    [["a=1,2,3", "b=1,2"], 6],
    [["a=1,2", "b=1,2", "c=1,2,3"], 12],
    [[], 1],
  ])("%p makes %d points", (grids, size) => {
    expect(gridPoints(grids.map(parseGrid)).length).toBe(size);
  });

  test("treats __proto__ as a plain key", () => {
    const [point] = gridPoints([parseGrid("__proto__=1")]);
    expect(Object.keys(point!)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(point)).toBe(Object.prototype);
  });
});

describe("randomPoints", () => {
  const ranges: Range[] = [parseRange("lr=1e-4:1e-1:log"), parseRange("dropout=0:0.5")];

  test("draws the same points for the same seed", () => {
    expect(randomPoints(8, ranges, 7)).toEqual(randomPoints(8, ranges, 7));
  });

  test("draws other points for another seed", () => {
    const [first, second] = [randomPoints(8, ranges, 7), randomPoints(8, ranges, 8)];
    expect(first.every((point, index) => point.lr !== second[index]!.lr && point.dropout !== second[index]!.dropout)).toBe(true);
  });

  test("draws distinct points in one sweep", () => {
    expect(new Set(randomPoints(8, ranges, 7).map(describePoint)).size).toBe(8);
  });

  test("keeps every draw within [LO, HI], with at most 6 significant digits", () => {
    const points = randomPoints(2000, [parseRange("lr=1e-4:1e-1:log"), parseRange("x=-3:-2"), parseRange("tiny=1e-9:1.0000001e-9")], 1);
    for (const { lr, x, tiny } of points as { lr: number; x: number; tiny: number }[]) {
      expect([lr >= 1e-4 && lr <= 1e-1, x >= -3 && x <= -2, tiny >= 1e-9 && tiny <= 1.0000001e-9]).toEqual([true, true, true]);
      expect([lr, x].every((value) => Number(value.toPrecision(6)) === value)).toBe(true);
    }
  });

  test("draws over a range wider than the largest double, not its end each time", () => {
    const drawn = randomPoints(20, [parseRange("x=-1e308:1e308")], 1).map(({ x }) => x as number);
    expect(drawn.every((x) => Number.isFinite(x) && x >= -1e308 && x <= 1e308)).toBe(true);
    expect(new Set(drawn).size).toBe(20);
  });

  test("spreads a log range over its decades", () => {
    const decades = new Set(randomPoints(200, [parseRange("lr=1e-4:1e-1:log")], 3).map(({ lr }) => Math.floor(Math.log10(lr as number))));
    expect([...decades].sort()).toEqual([-2, -3, -4]);
  });

  test.each([
    [0, 1, "--random must be a positive whole number, got 0"],
    [1.5, 1, "--random must be a positive whole number, got 1.5"],
    [2, -1, "--seed must be a whole number from 0 to 4294967295, got -1"],
    [2, 2 ** 32, "--seed must be a whole number from 0 to 4294967295, got 4294967296"],
    [2, 0.5, "--seed must be a whole number from 0 to 4294967295, got 0.5"],
  ])("rejects count %p with seed %p", (count, seed, message) => {
    expect(usageFailure(() => randomPoints(count, ranges, seed))).toEqual([2, message]);
  });
});

describe("sweepPoints", () => {
  test("is the grid alone without --random", () => {
    expect(sweepPoints(parseSweepSpace(["lr=1,2"], []))).toEqual([{ lr: 1 }, { lr: 2 }]);
  });

  test("is the draws alone without --grid", () => {
    const space = parseSweepSpace([], ["lr=0:1"]);
    expect(sweepPoints(space, { count: 3, seed: 7 })).toEqual(randomPoints(3, space.ranges, 7));
  });

  test("crosses each draw with every grid point, draws varying slowest", () => {
    const space = parseSweepSpace(["bs=32,64"], ["lr=0:1"]);
    const draws = randomPoints(2, space.ranges, 7);
    expect(sweepPoints(space, { count: 2, seed: 7 })).toEqual([
      { bs: 32, lr: draws[0]!.lr! },
      { bs: 64, lr: draws[0]!.lr! },
      { bs: 32, lr: draws[1]!.lr! },
      { bs: 64, lr: draws[1]!.lr! },
    ]);
  });

  test.each([
    ["a --range without --random", [], ["lr=0:1"], undefined, "--range needs --random N, the number of points to draw"],
    ["--random without a --range", ["bs=1"], [], { count: 2, seed: 1 }, "--random needs at least one --range KEY=LO:HI"],
    ["no flags at all", [], [], undefined, "nothing to sweep"],
  ])("rejects %s", (_, grids, ranges, random, message) => {
    expect(usageFailure(() => sweepPoints(parseSweepSpace(grids, ranges), random))).toEqual([2, message]);
  });
});

describe("substitute", () => {
  const point = { lr: 0.03, bs: 32, opt: "adam", fast: true, none: null };

  test.each([
    [
      ["python", "train.py", "--lr", "{lr}", "--batch-size", "{bs}"],
      ["python", "train.py", "--lr", "0.03", "--batch-size", "32"],
    ],
    [
      ["--out=runs/{lr}-{bs}", "--opt={opt}"],
      ["--out=runs/0.03-32", "--opt=adam"],
    ],
    [
      ["{fast}", "{none}", "{lr}{lr}"],
      ["true", "null", "0.030.03"],
    ],
    [['--json={{"lr": {lr}}}'], ['--json={"lr": 0.03}']],
    [
      ["{{lr}}", "{{{lr}}}", "}}{{"],
      ["{lr}", "{0.03}", "}{"],
    ],
  ])("%p", (command, expected) => {
    expect(substitute(command, point).command).toEqual(expected);
  });

  test("lists the keys the command never names", () => {
    expect(substitute(["train", "--lr", "{lr}", "{{bs}}"], point).unusedKeys).toEqual(["bs", "opt", "fast", "none"]);
    expect(substitute(["train"], {}).unusedKeys).toEqual([]);
  });

  test.each([
    [1e-5, "0.00001"],
    [1e-7, "1e-7"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1e21, "1e+21"],
    [-0.5, "-0.5"],
  ])("writes the number %p as %p", (value, text) => {
    expect(substitute(["{x}"], { x: value }).command).toEqual([text]);
    expect(renderValue(value)).toBe(text);
  });

  test.each([
    [["--lr", "{lrr}"], "the command names {lrr}, which no --grid or --range gives (known: lr, bs)"],
    [["{}"], "the command names {}, which no --grid or --range gives (known: lr, bs)"],
    [["--cfg", '{"a": 1}'], 'the command names {"a": 1}, which no --grid or --range gives (known: lr, bs)'],
    [["{lr"], 'a lone { in "{lr"'],
    [["lr}"], 'a lone } in "lr}"'],
    [["{a{lr}"], 'a lone { in "{a{lr}"'],
  ])("rejects %p with a usage error", (command, message) => {
    expect(usageFailure(() => substitute(command, { lr: 1, bs: 2 }))).toEqual([2, message]);
  });

  test("does not take inherited properties for keys", () => {
    expect(usageFailure(() => substitute(["{toString}"], { lr: 1 }))).toEqual([
      2,
      "the command names {toString}, which no --grid or --range gives (known: lr)",
    ]);
  });
});

describe("describePoint", () => {
  test.each([
    ["lr=0.1 bs=32", { lr: 0.1, bs: 32 }],
    ["opt=adam fast=false none=null tiny=1e-7", { opt: "adam", fast: false, none: null, tiny: 1e-7 }],
    ["", {}],
  ])("writes %p", (text, point) => {
    expect(describePoint(point)).toBe(text);
  });
});
