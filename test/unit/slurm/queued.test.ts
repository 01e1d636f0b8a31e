import { describe, expect, test } from "bun:test";
import { parseArrayTasks, taskIndexes } from "../../../src/core/slurm/queued";

describe("the tasks of an array job, as scontrol shows them", () => {
  test("task indexes read as Slurm writes them: ranges, lists, a throttle after %", () => {
    expect(taskIndexes("3")).toEqual([3]);
    expect(taskIndexes("0-3")).toEqual([0, 1, 2, 3]);
    expect(taskIndexes("0,2-3,7")).toEqual([0, 2, 3, 7]);
    expect(taskIndexes("1-4%2")).toEqual([1, 2, 3, 4]);
    expect(taskIndexes("N/A")).toEqual([]);
  });

  test("each task gets the state of its record: the pending ones share one, ended ones have their own", () => {
    const shown = [
      "JobId=12 ArrayJobId=12 ArrayTaskId=3-5 JobName=x JobState=PENDING Reason=JobHeldUser ExitCode=0:0",
      "JobId=13 ArrayJobId=12 ArrayTaskId=1 JobName=x JobState=CANCELLED Reason=None ExitCode=0:0",
      "JobId=14 ArrayJobId=12 ArrayTaskId=0 JobName=x JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15",
      "",
    ].join("\n");
    const held = { state: "PENDING", reason: "JobHeldUser", exitCode: "0:0" };
    expect([...parseArrayTasks(shown).entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, { state: "TIMEOUT", reason: "TimeLimit", exitCode: "0:15" }],
      [1, { state: "CANCELLED", reason: null, exitCode: "0:0" }],
      [3, held],
      [4, held],
      [5, held],
    ]);
    expect(parseArrayTasks("slurm_load_jobs error: Invalid job id specified").size).toBe(0);
  });
});
