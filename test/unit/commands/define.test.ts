import { describe, expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { parseCommandLine } from "../../../src/commands/_define";
import { UserError } from "../../../src/core/errors";

const defs = {
  path: { type: "positional", description: "a path" },
  runs: { type: "positional", description: "runs", required: false },
  name: { type: "string", alias: "n", description: "a name" },
  tag: { type: "string", description: "repeatable" },
  json: { type: "boolean", description: "json" },
  log: { type: "boolean", default: true, description: "keep a log" },
  agg: { type: "enum", options: ["last", "max"], description: "aggregate" },
} as const satisfies ArgsDef;

const parse = (argv: string[], options: Parameters<typeof parseCommandLine>[3] = {}) =>
  parseCommandLine("try", argv, defs, { repeatable: ["tag"], variadic: "runs", ...options });

function failure(argv: string[], options: Parameters<typeof parseCommandLine>[3] = {}): string {
  try {
    parse(argv, options);
  } catch (error) {
    if (error instanceof UserError && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error("did not fail");
}

describe("the option parser", () => {
  test.each([
    [["p"], { path: "p", runs: [], tag: [], log: true }],
    [["p", "a", "b"], { path: "p", runs: ["a", "b"], tag: [], log: true }],
    [["--name", "x", "p"], { path: "p", runs: [], tag: [], log: true, name: "x" }],
    [["--name=x=y", "p"], { path: "p", runs: [], tag: [], log: true, name: "x=y" }],
    [["-n", "x", "p"], { path: "p", runs: [], tag: [], log: true, name: "x" }],
    [["p", "--tag", "a", "--tag=b"], { path: "p", runs: [], tag: ["a", "b"], log: true }],
    [["p", "--json", "--no-log"], { path: "p", runs: [], tag: [], json: true, log: false }],
    [["p", "--agg", "max"], { path: "p", runs: [], tag: [], log: true, agg: "max" }],
    [["p", "--name", "a", "--name=a"], { path: "p", runs: [], tag: [], log: true, name: "a" }],
    [["p", "--log", "--no-log"], { path: "p", runs: [], tag: [], log: false }],
  ])("%p", (argv, args) => {
    expect(parse(argv)).toEqual({ args, rest: [] });
  });

  test("-- ends the options: what follows is kept as it is, as rest or as positionals", () => {
    expect(parse(["p", "--", "-odd", "--json"])).toEqual({ args: { path: "p", runs: [], tag: [], log: true }, rest: ["-odd", "--json"] });
    expect(parse(["--json", "--", "-x", "-y"], { afterDoubleDash: "positionals" })).toEqual({
      args: { path: "-x", runs: ["-y"], tag: [], log: true, json: true },
      rest: [],
    });
  });

  test("--help anywhere asks for help, even beside a bad option", () => {
    expect(parse(["p", "--help"])).toBe("help");
    expect(parse(["-h"])).toBe("help");
  });

  test("stopping at the first positional keeps the rest for a command, its options included", () => {
    const parsed = parseCommandLine(
      "run",
      ["--json", "python", "train.py", "--help", "--json"],
      { json: { type: "boolean" } },
      { stopAtFirstPositional: true },
    );
    expect(parsed).toEqual({ args: { json: true }, rest: ["python", "train.py", "--help", "--json"] });
  });

  test.each([
    [["p", "--frob"], "unknown option --frob for 'exprag try'"],
    [["p", "--no-name"], "unknown option --no-name for 'exprag try'"],
    [["p", "--name"], "--name needs a value"],
    [["p", "--name="], "--name needs a value"],
    [["p", "--name", "--"], "--name needs a value"],
    [["p", "--json=yes"], "--json takes no value"],
    [["p", "--agg", "mean"], '--agg must be one of last, max, got "mean"'],
    [[], "exprag try needs <path>"],
    [["p", "--name", "a", "-n", "b"], "--name was given twice ('a', then 'b'); it takes one value"],
    [["p", "--agg", "last", "--agg=max"], "--agg was given twice ('last', then 'max'); it takes one value"],
  ])("%p is a usage error: %s", (argv, message) => {
    expect(failure(argv)).toBe(message);
  });

  test.each([
    ["--jsno", "did you mean --json? (see 'exprag try --help')"],
    ["--nmae=x", "did you mean --name? (see 'exprag try --help')"],
    ["--aggg", "did you mean --agg? (see 'exprag try --help')"],
    ["--hepl", "did you mean --help? (see 'exprag try --help')"],
    ["--frobnicate", "see 'exprag try --help'"],
  ])("an unknown option %p is told the closest one: %p", (flag, hint) => {
    try {
      parse(["p", flag]);
      throw new Error("did not fail");
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).hint).toBe(hint);
    }
  });

  test("an extra positional is refused when nothing takes the rest", () => {
    expect(failure(["p", "q", "r"], { variadic: undefined })).toBe("unexpected argument 'r' for 'exprag try'");
  });
});
