import { describe, expect, test } from "bun:test";
import { UserError } from "../../../src/core/errors";
import { rerunParams } from "../../../src/core/sweep/rerun";
import { parseSetAssignment, setParam } from "../../../src/core/sweep/set-param";

describe("setParam", () => {
  test.each([
    ["--lr 0.03", "lr", "0.01", "--lr 0.01"],
    ["--lr=0.03", "lr", "0.01", "--lr=0.01"],
    ["-lr 0.03", "lr", "0.01", "-lr 0.01"],
    ["-lr=0.03", "lr", "0.01", "-lr=0.01"],
    ["lr=0.03", "lr", "0.01", "lr=0.01"],
    ["+lr=0.1", "lr", "0.01", "+lr=0.01"],
    ["++lr=0.1", "lr", "0.01", "++lr=0.01"],
    ["model.depth=4", "model.depth", "8", "model.depth=8"],
    ["--model.depth 4", "model.depth", "8", "--model.depth 8"],
    ["--batch-size 32", "batch_size", "64", "--batch-size 64"],
    ["--batch-size 32", "batch-size", "64", "--batch-size 64"],
    ["--batch_size=32", "batch-size", "64", "--batch_size=64"],
    ["--shift -0.5", "shift", "1", "--shift 1"],
    ["--shift -.5", "shift", "1", "--shift 1"],
    ["--input -", "input", "data.csv", "--input data.csv"],
    ["--tag a=b", "tag", "c=d", "--tag c=d"],
    ["--lr 0.1 --epochs 3", "epochs", "5", "--lr 0.1 --epochs 5"],
    ["--lr 0.1 --lr=0.2 lr=0.3", "lr", "0.01", "--lr 0.01 --lr=0.01 lr=0.01"],
    ["--lr 0.1", "lr", "", "--lr "],
    ["--fast --lr 0.1", "lr", "0.2", "--fast --lr 0.2"],
    ["--lr lr=1", "lr", "2", "--lr 2"],
  ])("%s with %s=%s gives %s", (args, key, value, expected) => {
    const argv = ["python", "train.py", ...args.split(" ")];
    expect(setParam(argv, key, value)).toEqual(["python", "train.py", ...expected.split(" ")]);
  });

  test("keeps a value that holds spaces as one word", () => {
    expect(setParam(["train", "--name", "old run"], "name", "new run")).toEqual(["train", "--name", "new run"]);
  });

  test("leaves the recorded command as it was", () => {
    const argv = ["train", "--lr", "0.1"];
    setParam(argv, "lr", "0.2");
    expect(argv).toEqual(["train", "--lr", "0.1"]);
  });

  test.each([
    ["--lr 0.1", "momentum"],
    ["--lr", "lr"],
    ["--fast --lr 0.1", "fast"],
    ["--fast -v", "fast"],
    ["--lrate 0.1", "lr"],
    ["--l 0.1", "lr"],
    ["~lr=0.1", "lr"],
    ["--Lr 0.1", "lr"],
    ["-- 0.1", "lr"],
    ["lr", "lr"],
  ])("gives null for %p when %p has no value there", (args, key) => {
    expect(setParam(["train", ...args.split(" ")], key, "1")).toBeNull();
  });

  test("never rewrites the program word", () => {
    expect(setParam(["lr=1", "--x", "2"], "lr", "3")).toBeNull();
  });
});

describe("parseSetAssignment", () => {
  test.each([
    ["lr=0.01", { key: "lr", value: "0.01" }],
    ["model.depth=8", { key: "model.depth", value: "8" }],
    ["expr=a=b", { key: "expr", value: "a=b" }],
    ["tag=", { key: "tag", value: "" }],
  ])("%s", (text, expected) => {
    expect(parseSetAssignment(text)).toEqual(expected);
  });

  test.each([
    ["lr", '--set expects KEY=VALUE, got "lr"', "e.g. --set lr=0.01"],
    ["=1", '--set expects KEY=VALUE, got "=1"', "e.g. --set lr=0.01"],
    ["l r=1", '--set expects KEY=VALUE, got "l r=1"', "e.g. --set lr=0.01"],
    ["--lr=0.01", "--set --lr=0.01: name the parameter without its prefix", "e.g. --set lr=0.01"],
    ["+lr=0.01", "--set +lr=0.01: name the parameter without its prefix", "e.g. --set lr=0.01"],
  ])("rejects %p with a usage error", (text, message, hint) => {
    let caught: unknown;
    try {
      parseSetAssignment(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    const { exitCode, message: said, hint: advised } = caught as UserError;
    expect([exitCode, said, advised]).toEqual([2, message, hint]);
  });
});

describe("rerunParams", () => {
  test("keeps the original's params but those --set names, by either spelling, nested too", () => {
    const params = { lr: 0.03, batch_size: 32, x: 7, model: { depth: 4, width: 8 } };
    expect(rerunParams(params, ["lr=0.01", "batch-size=64", "model.depth=2"])).toEqual({ x: 7, model: { width: 8 } });
    expect(rerunParams(params, [])).toEqual(params);
    expect(params.lr).toBe(0.03);
  });
});
