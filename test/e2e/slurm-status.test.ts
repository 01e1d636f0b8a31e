import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXPRAG, exprag, readRecords, runEnd, runFiles, tempDir, waitFor } from "./harness";
import { jobState, noSlurm, slurm, slurmCommand, slurmEnv } from "./slurm-harness";

/** A folder whose scontrol prints `answer` for any job. */
function fakeScontrol(answer: string): string {
  const bin = tempDir();
  writeFileSync(join(bin, "scontrol"), `#!/bin/sh\necho '${answer}'\n`);
  chmodSync(join(bin, "scontrol"), 0o755);
  return bin;
}

describe("a run under Slurm that ends by a signal", () => {
  test("records the status Slurm's job state names, and its reason", async () => {
    const cwd = tempDir();
    const bin = fakeScontrol("JobId=9 JobState=TIMEOUT Reason=TimeLimit");
    const result = await exprag(["run", "--", "sh", "-c", "kill -TERM $$"], { cwd, env: { SLURM_JOB_ID: "9", PATH: `${bin}:${process.env.PATH}` } });
    expect(result.exitCode).toBe(143);
    const end = runEnd(readRecords(runFiles(join(cwd, ".exprag"))[0]!)) as Record<string, unknown>;
    expect(end.status).toBe("timeout");
    expect(end.scheduler_end).toEqual({ kind: "slurm", job_id: "9", state: "TIMEOUT", reason: "TimeLimit" });
    const listed = JSON.parse((await exprag(["ls", "--json", "--status", "timeout"], { cwd })).stdout.toString());
    expect(listed.runs ?? listed).toHaveLength(1);
  }, 30_000);

  test("stays killed when Slurm names no cause, and is not asked outside Slurm", async () => {
    const cwd = tempDir();
    const bin = fakeScontrol("JobId=9 JobState=RUNNING Reason=None");
    await exprag(["run", "--", "sh", "-c", "kill -TERM $$"], { cwd, env: { SLURM_JOB_ID: "9", PATH: `${bin}:${process.env.PATH}` } });
    const cancelled = fakeScontrol("JobId=9 JobState=CANCELLED Reason=None");
    await exprag(["run", "--", "sh", "-c", "kill -TERM $$"], { cwd, env: { SLURM_JOB_ID: undefined, PATH: `${cancelled}:${process.env.PATH}` } });
    const ends = runFiles(join(cwd, ".exprag")).map((file) => runEnd(readRecords(file)) as Record<string, unknown>);
    expect(ends.map((end) => end.status)).toEqual(["killed", "killed"]);
    expect(ends.every((end) => end.scheduler_end === undefined)).toBe(true);
  }, 30_000);
});

/** Submits `exprag run -- sleep 300` as a batch job writing into `cwd`'s store; its job id once the run started. */
async function submitRun(cwd: string): Promise<string> {
  const script = join(cwd, "job.sh");
  writeFileSync(script, `#!/bin/sh\nexec '${EXPRAG}' run -- sleep 300\n`);
  const id = slurmCommand("sbatch", "--parsable", `--chdir=${cwd}`, "--output=/dev/null", script).trim();
  await waitFor(() => runFiles(join(cwd, ".exprag")).length === 1, "the run to start", 30_000);
  return id;
}

describe.skipIf(noSlurm)(`on a real Slurm${"reason" in slurm ? ` (skipped: ${slurm.reason})` : ""}`, () => {
  test("a job scancel'ed while running reads cancelled", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, ".exprag"));
    const id = await submitRun(cwd);
    slurmCommand("scancel", id);
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    await waitFor(() => readRecords(file).some((r) => r.kind === "run_end"), "run_end", 30_000);
    const end = runEnd(readRecords(file)) as Record<string, unknown>;
    expect(end.status).toBe("cancelled");
    expect((end.scheduler_end as Record<string, unknown>).state).toStartWith("CANCELLED");
  }, 60_000);

  test("a job whose exprag was SIGKILLed reads crashed", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, ".exprag"));
    const id = await submitRun(cwd);
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    const start = readRecords(file)[0]!.value as { process: { pid: number } };
    process.kill(start.process.pid, "SIGKILL");
    await waitFor(() => !["RUNNING", "COMPLETING", "PENDING"].includes(jobState(id)), "the job to end", 30_000);
    const listed = JSON.parse((await exprag(["ls", "--json"], { cwd, env: slurmEnv() })).stdout.toString());
    const runs = listed.runs ?? listed;
    expect(runs[0].status).toBe("crashed");
  }, 60_000);
});
