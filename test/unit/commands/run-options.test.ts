import { describe, expect, test } from "bun:test";
import { RUN_REPEATABLE, runOptionArgs, runOptionWords } from "../../../src/commands/_args";
import { parseCommandLine } from "../../../src/commands/_define";

const parse = (argv: string[]) => {
  const parsed = parseCommandLine("run", argv, runOptionArgs, { repeatable: [...RUN_REPEATABLE] });
  if (parsed === "help") throw new Error("help");
  return parsed.args;
};

describe("runOptionWords", () => {
  test("gives a child exprag run the same options, values that start with a dash included", () => {
    const given = parse([
      "--name",
      "-odd name",
      "--tag",
      "a",
      "--tag=b",
      "--no-log",
      "--no-params",
      "--echo",
      "-q",
      "--snapshot-max-size",
      "2M",
      "--snapshot-secrets",
    ]);
    const words = runOptionWords(given);
    expect(words).toEqual([
      "--name=-odd name",
      "--echo",
      "--no-params",
      "--no-log",
      "--tag=a",
      "--tag=b",
      "--quiet",
      "--snapshot-secrets",
      "--snapshot-max-size=2M",
    ]);
    expect(parse(words)).toEqual(given);
  });

  test("leaves out the metadata and the store, which the caller hands on itself, and defaults", () => {
    expect(runOptionWords(parse(["--meta", "a=1", "--meta-file", "m.json", "--dir", "store"]))).toEqual([]);
  });
});
