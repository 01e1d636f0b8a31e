import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXPRAG, exprag, readRecords, recordLine, runEnd, runFiles, tempDir, waitFor, writtenRecords } from "./harness";
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

describe("a run under Slurm whose writer died without run_end", () => {
  /** A run of Slurm job 9 (its attempt `restarts`, when given) written on a node whose heartbeat stopped `staleS` seconds ago. */
  function nodeRun(staleS: number, restarts?: string): string {
    const cwd = tempDir();
    mkdirSync(join(cwd, ".exprag", "runs"), { recursive: true });
    const id = "01a24380-0000-7000-8000-000000000009";
    const file = join(cwd, ".exprag", "runs", `${id}.jsonl`);
    const started = { host: "node-that-died", pid: 4242, boot_id: null, start_ticks: null };
    const start = {
      git: {},
      host: { hostname: "node-that-died" },
      process: { pid: 4242, started, heartbeat_s: 30 },
      metadata: {},
      scheduler: { kind: "slurm", job_id: "9", ...(restarts !== undefined && { restart_count: restarts }) },
    };
    writeFileSync(file, recordLine(id, "run_start", start, { created_at: new Date().toISOString() }));
    const then = Date.now() / 1000 - staleS;
    utimesSync(file, then, then);
    return cwd;
  }

  const status = async (cwd: string, bin: string | null) => {
    const listed = JSON.parse((await exprag(["ls", "--json"], { cwd, env: bin ? { PATH: `${bin}:${process.env.PATH}` } : {} })).stdout.toString());
    return (listed.runs ?? listed)[0].status;
  };

  test("reads the cause Slurm names (node_fail), else crashed; a live one is not asked", async () => {
    expect(await status(nodeRun(3600), fakeScontrol("JobId=9 JobState=NODE_FAIL Reason=NodeDown"))).toBe("node_fail");
    expect(await status(nodeRun(3600), fakeScontrol("JobId=9 JobState=FAILED Reason=NonZeroExitCode"))).toBe("crashed");
    const failing = tempDir();
    writeFileSync(join(failing, "scontrol"), "#!/bin/sh\nexit 1\n");
    chmodSync(join(failing, "scontrol"), 0o755);
    expect(await status(nodeRun(3600), failing)).toBe("crashed");
    expect(await status(nodeRun(0), fakeScontrol("JobId=9 JobState=NODE_FAIL Reason=NodeDown"))).toBe("running");
  }, 30_000);

  test("reads preempted when Slurm has restarted its task since (a requeue that killed it past the grace), else crashed", async () => {
    // Its next attempt gives it its run_end when it starts: until then, Slurm's restart count says why it died.
    const requeued = fakeScontrol("JobId=9 JobState=PENDING Reason=BeginTime Restarts=1");
    expect(await status(nodeRun(3600), requeued)).toBe("preempted");
    expect(await status(nodeRun(3600, "0"), fakeScontrol("JobId=9 JobState=RUNNING Reason=None Restarts=1"))).toBe("preempted");
    // The attempt that died is the latest Slurm started: no requeue since.
    expect(await status(nodeRun(3600, "1"), requeued)).toBe("crashed");
    expect(await status(nodeRun(3600), fakeScontrol("JobId=9 JobState=RUNNING Reason=None Restarts=0"))).toBe("crashed");
  }, 30_000);
});

/** Submits `exprag run -- sleep 300` as a batch job writing into `cwd`'s store; its job id once the run started (its run_start written). */
async function submitRun(cwd: string): Promise<string> {
  const script = join(cwd, "job.sh");
  writeFileSync(script, `#!/bin/sh\nexec '${EXPRAG}' run -- sleep 300\n`);
  const id = slurmCommand("sbatch", "--parsable", `--chdir=${cwd}`, "--output=/dev/null", script).trim();
  // The file exists a moment before its first record is in it.
  await waitFor(() => runFiles(join(cwd, ".exprag")).length === 1 && writtenRecords(runFiles(join(cwd, ".exprag"))[0]!).length > 0, "the run to start", 30_000);
  return id;
}

describe.skipIf(noSlurm)(`on a real Slurm${"reason" in slurm ? ` (skipped: ${slurm.reason})` : ""}`, () => {
  test("a job scancel'ed while running reads cancelled", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, ".exprag"));
    const id = await submitRun(cwd);
    slurmCommand("scancel", id);
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    await waitFor(() => writtenRecords(file).some((r) => r.kind === "run_end"), "run_end", 30_000);
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
