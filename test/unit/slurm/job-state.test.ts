import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { askSlurmWhyEnded, parseSacct, parseScontrolJob, SIGNALLED_PATIENCE_MS, statusOfJobState } from "../../../src/core/slurm/job-state";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A PATH whose scontrol and sacct print what the test says (exit 1 when given null, saying so when given an error). */
function fakeSlurm(scontrol: string | null | Error, sacct: string | null = null): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), "exprag-fake-slurm-"));
  dirs.push(dir);
  for (const [name, output] of [
    ["scontrol", scontrol],
    ["sacct", sacct],
  ] as const) {
    const body = output === null ? "exit 1" : output instanceof Error ? `echo '${output.message}' >&2; exit 1` : `cat <<'OUT'\n${output}\nOUT`;
    writeFileSync(join(dir, name), `#!/bin/sh\necho "$@" >> "${dir}/${name}.args"\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return { PATH: `${dir}:/usr/bin:/bin` };
}

describe("Slurm job states", () => {
  test("each state that names a cause gives its status; others none", () => {
    expect(statusOfJobState("TIMEOUT")).toBe("timeout");
    expect(statusOfJobState("CANCELLED by 0")).toBe("cancelled");
    expect(statusOfJobState("CANCELLED+")).toBe("cancelled");
    expect(statusOfJobState("PREEMPTED")).toBe("preempted");
    expect(statusOfJobState("OUT_OF_MEMORY")).toBe("out_of_memory");
    expect(statusOfJobState("NODE_FAIL")).toBe("node_fail");
    expect(statusOfJobState("RUNNING")).toBeNull();
    expect(statusOfJobState("FAILED")).toBeNull();
  });

  test("while Slurm ends a job (COMPLETING), the cause is read from its times", () => {
    const completing = (rest: string) => parseScontrolJob(`JobId=7 JobState=COMPLETING Reason=None ${rest}`)?.state;
    expect(completing("RunTime=00:01:00 TimeLimit=00:01:00 PreemptTime=None")).toBe("TIMEOUT");
    expect(completing("RunTime=1-00:00:03 TimeLimit=1-00:00:00 PreemptTime=None")).toBe("TIMEOUT");
    expect(completing("RunTime=00:00:02 TimeLimit=UNLIMITED PreemptTime=None")).toBe("CANCELLED");
    expect(completing("RunTime=00:00:02 TimeLimit=00:10:00 PreemptTime=2026-01-01T00:00:00")).toBe("PREEMPTED");
  });

  test("scontrol's one-line answer and sacct's parsable one are read", () => {
    expect(parseScontrolJob("JobId=7 JobName=x JobState=TIMEOUT Reason=TimeLimit Dependency=(null)")).toEqual({ state: "TIMEOUT", reason: "TimeLimit" });
    expect(parseScontrolJob("JobId=7 JobState=CANCELLED Reason=None")).toEqual({ state: "CANCELLED", reason: null });
    expect(parseScontrolJob("slurm_load_jobs error: Invalid job id specified")).toBeNull();
    expect(parseSacct("7|OUT_OF_MEMORY|None\n")).toEqual({ state: "OUT_OF_MEMORY", reason: null });
    expect(parseSacct("")).toBeNull();
  });
});

describe("asking Slurm why a job ended", () => {
  test("scontrol's state and reason become the run's status and scheduler_end", async () => {
    const env = fakeSlurm("JobId=42 JobState=TIMEOUT Reason=TimeLimit");
    expect(await askSlurmWhyEnded("42", env)).toEqual({ status: "timeout", end: { kind: "slurm", job_id: "42", state: "TIMEOUT", reason: "TimeLimit" } });
  });

  test("sacct answers when scontrol no longer knows the job", async () => {
    const env = fakeSlurm(null, "42|PREEMPTED|None");
    expect(await askSlurmWhyEnded("42", env)).toEqual({ status: "preempted", end: { kind: "slurm", job_id: "42", state: "PREEMPTED" } });
  });

  test("no answer, or a state that names no cause, leaves the run as it ended", async () => {
    expect(await askSlurmWhyEnded("42", fakeSlurm(null, null))).toBeNull();
    expect(await askSlurmWhyEnded("42", fakeSlurm("JobId=42 JobState=RUNNING Reason=None"))).toBeNull();
    expect(await askSlurmWhyEnded("42", { PATH: "/nonexistent" })).toBeNull();
  });

  test("a job Slurm says it does not know is asked once, however patient the asker; one it gives no answer on, once, unless the asker is patient", async () => {
    const unknown = fakeSlurm(new Error("slurm_load_jobs error: Invalid job id specified"));
    expect(await askSlurmWhyEnded("42", unknown, () => SIGNALLED_PATIENCE_MS)).toBeNull();
    expect(readFileSync(`${unknown.PATH!.split(":")[0]}/scontrol.args`, "utf8")).toBe("show job -o 42\n");
    const silent = fakeSlurm(null);
    expect(await askSlurmWhyEnded("42", silent)).toBeNull();
    expect(readFileSync(`${silent.PATH!.split(":")[0]}/scontrol.args`, "utf8")).toBe("show job -o 42\n");
    const patient = fakeSlurm(null);
    expect(await askSlurmWhyEnded("42", patient, () => 700)).toBeNull();
    expect(
      readFileSync(`${patient.PATH!.split(":")[0]}/scontrol.args`, "utf8")
        .split("\n")
        .filter(Boolean).length,
    ).toBeGreaterThanOrEqual(2);
  });
});

describe("a job Slurm requeues", () => {
  const reader = (count: number) => ({ count, live: false });
  const live = (count: number) => ({ count, live: true });

  test("reads REQUEUED (preempted) to the attempt it ends, once Slurm counts more restarts than it knows", () => {
    const shown = "JobId=9 JobState=COMPLETING Reason=None Restarts=1 RunTime=00:00:05 TimeLimit=UNLIMITED PreemptTime=None";
    expect(parseScontrolJob(shown, live(0))).toEqual({ state: "REQUEUED", reason: null });
    expect(parseScontrolJob(shown, reader(0))).toEqual({ state: "REQUEUED", reason: null });
    expect(statusOfJobState("REQUEUED")).toBe("preempted");
    // The attempt that is itself restart 1, and a reader that names no attempt, see what Slurm shows.
    expect(parseScontrolJob(shown, live(1))?.state).toBe("CANCELLED");
    expect(parseScontrolJob(shown)?.state).toBe("CANCELLED");
  });

  test("to a reader, a later attempt's end (cancelled while pending again, timed out) is not the end of the attempt before it", () => {
    expect(parseScontrolJob("JobId=9 JobState=TIMEOUT Reason=TimeLimit Restarts=2", reader(0))?.state).toBe("REQUEUED");
    expect(parseScontrolJob("JobId=9 JobState=CANCELLED Reason=None Restarts=1", reader(0))?.state).toBe("REQUEUED");
    expect(parseScontrolJob("JobId=9 JobState=TIMEOUT Reason=TimeLimit Restarts=2", reader(2))?.state).toBe("TIMEOUT");
    // A live run asking how it ends keeps a cause Slurm names (its restart count may be unknown to it: srun --export=NONE).
    expect(parseScontrolJob("JobId=9 JobState=TIMEOUT Reason=TimeLimit Restarts=2", live(0))?.state).toBe("TIMEOUT");
  });

  test("sacct (once scontrol has forgotten the job) tells a requeue to a reader by the runs of that job it lists, one per attempt", () => {
    // An array's first task's id is the array's: sacct lists every task of it, each with its own raw id.
    const runs = "9|REQUEUED|None\n10|NODE_FAIL|None\n9|REQUEUED|None\n11|COMPLETED|None\n9|TIMEOUT|TimeLimit\n";
    expect(parseSacct(runs, reader(0), "9")).toEqual({ state: "REQUEUED", reason: null });
    expect(parseSacct(runs, reader(2), "9")).toEqual({ state: "TIMEOUT", reason: "TimeLimit" });
    expect(parseSacct(runs, reader(0), "10")).toEqual({ state: "NODE_FAIL", reason: null });
    expect(parseSacct(runs, null, "9")).toEqual({ state: "TIMEOUT", reason: "TimeLimit" });
    // A live run reads the latest line of its job only: still running is no cause (it asks again).
    expect(parseSacct("9|REQUEUED|None\n9|RUNNING|None\n", live(0), "9")).toEqual({ state: "RUNNING", reason: null });
  });

  test("an array's first task, whose id is the array's, reads its own line of the array's tasks", () => {
    const tasks =
      "JobId=12 ArrayJobId=10 ArrayTaskId=2 JobState=PENDING Reason=BeginTime Restarts=1\nJobId=10 ArrayJobId=10 ArrayTaskId=0 JobState=TIMEOUT Reason=TimeLimit Restarts=0\n";
    expect(parseScontrolJob(tasks, reader(0), "10")).toEqual({ state: "TIMEOUT", reason: "TimeLimit" });
    expect(parseScontrolJob(tasks, reader(0), "12")?.state).toBe("REQUEUED");
  });
});
