import { describe, expect, test } from "bun:test";
import { commandRecords, isFailedState, RECORD_KINDS, type RecordKind, RUN_STATES, recordCounts } from "../../../src/core/record/schema";

const byKind = (given: Partial<Record<RecordKind, number>>) =>
  Object.fromEntries(RECORD_KINDS.map((kind) => [kind, given[kind] ?? 0])) as Record<RecordKind, number>;

describe("record counts, defined once", () => {
  test("run_end counts the command's records always, and its samples only when there were some", () => {
    expect(recordCounts(byKind({ track: 3, note: 1, run_start: 1, outputs: 1 }))).toEqual({ track: 3, meta: 0, note: 1, parse_error: 0 });
    expect(recordCounts(byKind({ meta: 2, parse_error: 1, system: 4 }))).toEqual({ track: 0, meta: 2, note: 0, parse_error: 1, system: 4 });
  });

  test("the command's records leave its samples out", () => {
    expect(commandRecords({ track: 3, meta: 2, note: 1, parse_error: 1, system: 50 })).toBe(7);
  });
});

describe("run states", () => {
  test("every end status, then the states of a run without an end", () => {
    expect(RUN_STATES.slice(-3)).toEqual(["running", "crashed", "unknown"]);
    expect(RUN_STATES).toContain("out_of_memory");
  });

  test.each([
    ["failed", true],
    ["crashed", true],
    ["ok", false],
    ["killed", false],
    ["running", false],
  ])("%s is a failed state: %p", (state, failed) => {
    expect(isFailedState(state)).toBe(failed);
  });
});
