import { describe, expect, test } from "bun:test";
import { lineRange } from "../../../src/core/answers/run-file";
import { UserError } from "../../../src/core/errors";
import { toLimit, toSelection } from "../../../src/mcp/inputs";

describe("the selection a tool's input describes", () => {
  test("nothing given: every run, unfiltered", () => {
    expect(toSelection({})).toEqual({ references: [], name: undefined, statuses: undefined, since: undefined, until: undefined, tags: [], where: null });
  });

  test("each field as its flag reads it: runs, name, states, times, tags and one where expression", () => {
    const selection = toSelection({
      runs: ["latest", "3f9c2a1b"],
      name: "lr-*",
      status: ["ok", "failed"],
      since: "2026-11-01",
      tags: ["best"],
      where: "meta.lr < 0.1",
    });
    expect(selection).toMatchObject({ references: ["latest", "3f9c2a1b"], name: "lr-*", statuses: ["ok", "failed"], tags: ["best"] });
    expect(selection.since).toBe(new Date(2026, 10, 1).getTime());
    expect(selection.where).not.toBeNull();
  });

  test("an empty list of states is no filter", () => {
    expect(toSelection({ status: [] }).statuses).toBeUndefined();
  });

  test("a bad time or expression is the command line's usage error", () => {
    const failure = (input: Parameters<typeof toSelection>[0]) => {
      try {
        toSelection(input);
      } catch (error) {
        if (error instanceof UserError && error.exitCode === 2) return error.message;
        throw error;
      }
      throw new Error("did not fail");
    };
    expect(failure({ since: "yesterday" })).toBe('--since expects a span such as 90m, 2h, 3d, 2w or a date such as 2026-11-01, got "yesterday"');
    expect(failure({ where: "meta.lr <" })).toStartWith("--where: ");
  });

  test("the limit: 20 by default, the number asked for, or none with all", () => {
    expect(toLimit({})).toBe(20);
    expect(toLimit({ limit: 3 })).toBe(3);
    expect(toLimit({ limit: 3, all: true })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("a range of a file's lines", () => {
  const text = Buffer.from("one\ntwo\nthree\n");

  test.each([
    [1, Number.POSITIVE_INFINITY, { lines: 3, total: 3, text: "one\ntwo\nthree\n", truncated: false }],
    [2, 1, { lines: 1, total: 3, text: "two\n", truncated: false }],
    [3, 5, { lines: 1, total: 3, text: "three\n", truncated: false }],
    [4, 5, { lines: 0, total: 3, text: "", truncated: false }],
  ])("from line %d, at most %d lines", (start, max, expected) => {
    expect(lineRange(text, start, max, 1000)).toEqual(expected);
  });

  test("a text without a final newline ends without one", () => {
    expect(lineRange(Buffer.from("a\nb"), 1, 10, 1000)).toEqual({ lines: 2, total: 2, text: "a\nb", truncated: false });
  });

  test("past the byte limit: whole lines up to it, and it says so", () => {
    expect(lineRange(text, 1, 10, 9)).toEqual({ lines: 2, total: 3, text: "one\ntwo\n", truncated: true });
  });

  test("a first line longer than the limit is cut", () => {
    expect(lineRange(Buffer.from("abcdefgh\nnext\n"), 1, 10, 4)).toEqual({ lines: 1, total: 2, text: "abcd\n", truncated: true });
  });
});
