import { describe, expect, test } from "bun:test";
import { UserError } from "../../../src/core/errors";
import { parseStopRule } from "../../../src/core/rules/stop-rule";
import { StopRules } from "../../../src/core/rules/stop-rules";
import { PathProbe } from "../../../src/core/run/path-probe";
import { isPlainJsonProbed, MAX_DEPTH } from "../../../src/core/run/plain-json";
import { durationMs } from "../../../src/core/time";
import { facts, stopsAtLineAsLive } from "./live-stop";

/** Feeds the records one by one; the 1-based index of the first at which a rule held, or null. */
function stopsAt(rules: string[], records: unknown[], elapsedStep = 1000): { at: number; rule: string; step: number | null } | null {
  const checker = new StopRules(
    rules.map((rule) => parseStopRule(rule)),
    facts,
  );
  for (const [index, value] of records.entries()) {
    const by = checker.record(value, `f:${index + 1}`, (index + 1) * elapsedStep, false);
    if (by) return { at: index + 1, rule: by.rule, step: by.step };
  }
  return null;
}

const losses = [5, 4, 3, 2, 3, 4].map((loss, i) => ({ step: i + 1, loss }));

describe("StopRules: rules checked record by record", () => {
  test.each([
    [["loss < 3"], 4],
    [["loss > 100"], null],
    [["min(loss) <= 2 and loss >= 4"], 6],
    [["count(loss) = 3"], 3],
    [["mean(loss) < 3.6"], 4],
    [["first(loss) = 5 and last(loss) = 3"], 3],
    [["step >= 5", "loss < 3"], 4],
    [["elapsed > 2.5"], 3],
    [["elapsed >= 5s"], 5],
    [["params.lr = 0.1 and loss = 2"], 4],
    [["meta.seed = 3 and step = 2"], 2],
    [["name = train and tags = a and step = 1"], 1],
    [["value.loss < 3"], 4],
  ])("%j stops at record %p", (rules, at) => {
    expect(stopsAt(rules, losses)?.at ?? null).toBe(at);
  });

  test("names the rule and the record's step", () => {
    expect(stopsAt(["step >= 5", "loss < 3"], losses)).toEqual({ at: 4, rule: "loss < 3", step: 4 });
  });

  test("a path a record lacks keeps its latest value", () => {
    expect(stopsAt(["loss < 3 and acc > 0.5"], [{ loss: 2 }, { acc: 0.9 }])?.at).toBe(2);
  });

  test("diverged and the clock without records", () => {
    const checker = new StopRules([parseStopRule("diverged"), parseStopRule("elapsed > 1m")], facts);
    expect(checker.record({ loss: 1 }, "f:2", 10, false)).toBeNull();
    expect(checker.record({ loss: "NaN" }, "f:3", 20, true)).toMatchObject({ rule: "diverged", source: "f:3" });
    const clock = new StopRules([parseStopRule("elapsed > 1m")], facts);
    expect(clock.readsClock).toBe(true);
    expect(clock.tick(59_000)).toBeNull();
    expect(clock.tick(61_000)).toEqual({ rule: "elapsed > 1m", source: null, step: null, elapsed_ms: 61_000 });
  });
});

/**
 * Feeds record lines through the probe and the rules as a live run does, checking a probed line's
 * rules every time: a plain line through the probe (its numbers placed without being read where a
 * rule allows), any other line parsed. The 1-based index of the first line at which a rule held, or null.
 */
function stopsAtLine(rules: string[], lines: string[]): number | null {
  const checker = new StopRules(
    rules.map((rule) => parseStopRule(rule)),
    facts,
  );
  const probe = PathProbe.of(checker.values.paths, MAX_DEPTH);
  for (const [index, line] of lines.entries()) {
    const bytes = Buffer.from(line);
    const source = `f:${index + 1}`;
    let by: unknown = null;
    if (probe && isPlainJsonProbed(bytes, 0, bytes.length, probe) && !probe.complex) {
      checker.values.observeLine(bytes, probe);
      by = checker.check(
        () => source,
        index,
        false,
        () => null,
      );
    } else {
      by = checker.record(JSON.parse(line), source, index, false);
    }
    if (by) return index + 1;
  }
  return null;
}

const parsedStopsAt = (rules: string[], lines: string[]) =>
  stopsAt(
    rules,
    lines.map((line) => JSON.parse(line)),
  )?.at ?? null;

describe("StopRules on record lines: a rule on a number sees what JSON.parse would", () => {
  const hostile = [
    '{"step": 1, "metrics": {"loss": 0.5, "acc": 0.1}}',
    '{"note": "\\"metrics\\": {\\"loss\\": 99}", "metrics": {"loss": 0.4}}',
    '{"metrics": {"inner": {"loss": 99}, "loss": 0.3}}',
    '{"metrics": {"loss": 99, "loss": 0.2}}',
    '{"metrics": {"loss": 99}, "metrics": {"acc": 1}}',
    '{"metrics": {"lo\\u0073s": 99}}',
    '{ "metrics" : { "loss" :\t-0 } }',
    '{"metrics": {"loss": 1e400}}',
    '{"metrics": {"loss": -1e-400}}',
    '{"metrics": {"loss": 12345678901234567890123}}',
    '{"metrics": {"loss": 4.9999999999999999999}}',
    '{"metrics": {"loss": 5.0000000000000001}}',
    '{"metrics": {"loss": 5E+0}}',
    '{"metrics": {"loss": 0.5e1}}',
    '{"metrics": {"loss": "7"}}',
    '{"metrics": {"loss": "NaN"}}',
    '{"metrics": {"loss": null}}',
    '{"metrics": {"acc": 9}}',
    '{"metrics": {"loss": 50000}}',
    '{"metrics": {"loss": -50000}}',
  ];
  const rules = [
    "metrics.loss > 5",
    "metrics.loss >= 5",
    "metrics.loss = 5",
    "metrics.loss = 0",
    "metrics.loss != 0.5",
    "metrics.loss < -1000",
    "metrics.loss <= 0",
    "metrics.loss > 1e300",
    "metrics.loss < 1e-300",
    "metrics.loss > 0.25",
    "value.metrics.loss > 40000",
  ];
  test.each(rules)("%s stops at the line a parsed record stops at, whichever line comes first", (rule) => {
    // Each line first, then the others: every line is met both fresh and after any other.
    for (let first = 0; first < hostile.length; first++) {
      const lines = [hostile[first]!, ...hostile.filter((_, i) => i !== first)];
      for (let n = 1; n <= lines.length; n++)
        expect([rule, first, n, stopsAtLine([rule], lines.slice(0, n))]).toEqual([rule, first, n, parsedStopsAt([rule], lines.slice(0, n))]);
    }
  });

  test.each([...rules, "metrics.loss != 7", "lr < 0.5", "lr > 0.5", "step > 0.5"])(
    "%s checked only when it may hold stops where it stops checked after every line",
    (rule) => {
      for (let first = 0; first < hostile.length; first++) {
        const lines = [hostile[first]!, ...hostile.filter((_, i) => i !== first)];
        for (let n = 1; n <= lines.length; n++)
          expect([rule, first, n, stopsAtLineAsLive([rule], lines.slice(0, n))]).toEqual([rule, first, n, parsedStopsAt([rule], lines.slice(0, n))]);
      }
    },
  );

  test("several rules, and rules the values do not keep up to date, are checked only when they may hold as after every line", () => {
    const lines = ['{"metrics": {"loss": 0.5}, "step": 1}', '{"step": 2}', '{"metrics": {"loss": 3}, "step": 3}', '{"metrics": {"loss": 9}}', '{"step": 5}'];
    for (const set of [
      ["metrics.loss > 5", "step >= 5"],
      ["metrics.loss > 50", "step >= 5"],
      ["metrics.loss > 2", "metrics.loss < 0.1"],
      ["metrics.loss > 50", "max(metrics.loss) >= 3 and step = 5"],
      ["metrics.loss > 50", "elapsed > 3"],
      ["metrics.loss > 50", "lr = 0.1 and step = 3"],
    ]) {
      for (let n = 1; n <= lines.length; n++)
        expect([set, n, stopsAtLineAsLive(set, lines.slice(0, n))]).toEqual([set, n, stopsAtLine(set, lines.slice(0, n))]);
    }
    expect(stopsAtLineAsLive(["metrics.loss > 5", "step >= 5"], lines)).toBe(4);
    expect(stopsAtLineAsLive(["metrics.loss > 50", "step >= 5"], lines)).toBe(5);
  });

  test("a path read by several rules, or by an and, or by an aggregate, keeps its latest value for all of them", () => {
    const lines = ['{"metrics": {"loss": 0.5}}', '{"step": 2}', '{"metrics": {"loss": 3}, "step": 3}', '{"step": 4}'];
    for (const set of [
      ["metrics.loss > 5", "metrics.loss < 1 and step >= 2"],
      ["metrics.loss > 2", "metrics.loss < 0.1"],
      ["metrics.loss > 5", "max(metrics.loss) >= 3 and step = 4"],
      ["metrics.loss > 5", "metrics.loss = '3' and step = 4"],
      ["metrics.loss > 5", "metrics.loss ~ '*' or step = 4"],
    ]) {
      expect([set, stopsAtLine(set, lines)]).toEqual([set, parsedStopsAt(set, lines)]);
    }
    expect(stopsAtLine(["metrics.loss > 5", "metrics.loss < 1 and step >= 2"], lines)).toBe(2);
  });

  test("before any record carries the path, params and metadata answer for it", () => {
    expect(stopsAtLine(["lr < 0.5"], ['{"step": 1}'])).toBe(1);
    expect(stopsAtLine(["lr < 0.5"], ['{"lr": 0.9}', '{"step": 1}'])).toBeNull();
  });
});

describe("parseStopRule", () => {
  test.each([
    ["loss >", "--stop-when \"loss >\": column 7: expected a value after '>'"],
    ["status = ok", "status is only known once the run has ended"],
    ["duration_ms > 5", "duration_ms is only known once the run has ended"],
    ["elapsed > later", "elapsed compares with seconds or a duration"],
  ])("%j is a usage error", (rule, message) => {
    let error: unknown;
    try {
      parseStopRule(rule);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).message).toContain(message);
  });
});

describe("durationMs", () => {
  test.each([
    ["500ms", 500],
    ["90s", 90_000],
    ["10m", 600_000],
    ["1.5h", 5_400_000],
    ["2d", 172_800_000],
    ["30", 30_000],
    ["0", null],
    ["-1s", null],
    ["10 minutes", null],
    ["", null],
  ])("%j is %p ms", (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });
});
