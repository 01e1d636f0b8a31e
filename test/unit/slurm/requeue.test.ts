import { describe, expect, test } from "bun:test";
import { isUuidV7, runIdTime } from "../../../src/core/record/refs";
import { attemptRunId } from "../../../src/core/slurm/requeue";

describe("the run id of a requeued attempt", () => {
  test("is a UUIDv7 of the first's time, the same for the same attempt, another for each attempt", () => {
    const first = "01a244c1-8a83-74a6-b628-aaf0cfa02676";
    const [one, two] = [attemptRunId(first, 1), attemptRunId(first, 2)];
    expect(isUuidV7(one)).toBe(true);
    expect(isUuidV7(two)).toBe(true);
    expect(runIdTime(one)).toBe(runIdTime(first));
    expect(attemptRunId(first, 1)).toBe(one);
    expect(new Set([first, one, two]).size).toBe(3);
    expect(one.slice(0, 14)).toBe(first.slice(0, 14));
  });
});
