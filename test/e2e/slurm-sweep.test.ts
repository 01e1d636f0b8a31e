import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { git, gitEnv, makeRepo, runIn, write } from "./git-harness";
import { cleanEnv, readRecords, runFiles, runStart, waitFor, writtenRecords } from "./harness";
import { noSlurm, slurm, slurmCommand, slurmEnv, waitingSweep } from "./slurm-harness";

const TRAIN = "import json, sys\nprint('EXPRAG::' + json.dumps({'arg': sys.argv[1]}))\n";
const HOSTILE = 'it\'s $(touch pwned) `touch pwned2`; "x" \\n';

describe("exprag sweep --slurm --dry-run", () => {
  test("prints the job script: every value single-quoted, and run as written it records the value exactly", async () => {
    const repo = makeRepo({ "train.py": TRAIN });
    const result = await runIn(repo, ["sweep", "--slurm", "--dry-run", "--sbatch", "--time=5", "--grid", `x=1,${HOSTILE}`, "--", "python3", "train.py", "{x}"]);
    expect(result.exitCode).toBe(0);
    const [script, tasksFile, tasks] = result.stdout.toString().split(/^# ---- (.+)\n/m) as [string, string, string];
    expect(script).toStartWith("#!/bin/sh\n");
    expect(script).toContain("'--array=0-1'");
    expect(script).toContain("'--time=5'");
    expect(
      tasks
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).run.at(-1)),
    ).toEqual(["1", HOSTILE]);
    expect(runFiles(join(repo, ".exprag"))).toHaveLength(0);
    if (!Bun.which("python3")) return;
    // Task 1 as a node would run it, without Slurm: the hostile value reaches the script untouched.
    write(repo, "job.sh", script);
    await runIn(repo, ["run", "--", "true"]); // the store, which the tasks file is in
    mkdirSync(dirname(tasksFile), { recursive: true });
    writeFileSync(tasksFile, tasks);
    const task = Bun.spawnSync(["sh", "job.sh"], { cwd: repo, env: cleanEnv({ ...gitEnv, SLURM_ARRAY_TASK_ID: "1" }), stdout: "pipe", stderr: "pipe" });
    expect(task.exitCode).toBe(0);
    const runId = JSON.parse(tasks.trim().split("\n")[1]!).env.EXPRAG_PREPARED_RUN_ID;
    const records = readRecords(join(repo, ".exprag", "runs", `${runId}.jsonl`));
    expect(records.find((r) => r.kind === "track")!.value).toEqual({ arg: HOSTILE });
    expect((runStart(records) as { params: { x: string } }).params.x).toBe(HOSTILE);
    expect(existsSync(join(repo, "pwned")) || existsSync(join(repo, "pwned2"))).toBe(false);
  }, 60_000);

  test("--sbatch and --wait need --slurm; --slurm takes no --jobs", async () => {
    const repo = makeRepo({ "train.py": TRAIN });
    expect((await runIn(repo, ["sweep", "--sbatch", "--time=5", "--grid", "x=1", "--", "true"])).exitCode).toBe(2);
    expect((await runIn(repo, ["sweep", "--slurm", "-j", "2", "--grid", "x=1", "--", "true"])).exitCode).toBe(2);
  });
});

describe.skipIf(noSlurm)(`exprag sweep --slurm on a real Slurm${"reason" in slurm ? ` (skipped: ${slurm.reason})` : ""}`, () => {
  test("a grid sweep is submitted, every point's run lands in the store, all from one snapshot", async () => {
    const repo = makeRepo({ "train.py": TRAIN });
    write(repo, "train.py", `${TRAIN}# edited, not committed\n`);
    write(repo, ".claude/settings.local.json", '{"agent": true}\n');
    const result = await runIn(repo, ["sweep", "--slurm", "--wait", "--json", "--grid", `x=1,2,${HOSTILE}`, "--", "python3", "train.py", "{x}"], slurmEnv());
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout.toString());
    expect(summary.runs.map((r: { status: string }) => r.status)).toEqual(["ok", "ok", "ok"]);
    const starts = runFiles(join(repo, ".exprag")).map((file) => runStart(readRecords(file)) as { git: { commit: string; dirty: boolean } });
    expect(starts).toHaveLength(3);
    expect(new Set(starts.map((start) => start.git.commit)).size).toBe(1);
    expect(starts[0]!.git.dirty).toBe(true);
    // The snapshot holds the code, not the agent's folder.
    const snapshot = git(repo, "ls-tree", "-r", "--name-only", starts[0]!.git.commit).split("\n");
    expect(snapshot).toContain("train.py");
    expect(snapshot).not.toContain(".claude/settings.local.json");
    expect(existsSync(join(repo, "pwned"))).toBe(false);
    const listed = JSON.parse((await runIn(repo, ["ls", "--json", "--tag", summary.tag])).stdout.toString());
    expect(listed.runs ?? listed).toHaveLength(3);

    // One of them again, on Slurm: accepted at once, then recorded as a rerun of it.
    const rerun = await runIn(repo, ["rerun", summary.runs[2].run_id, "--slurm"], slurmEnv());
    expect(rerun.exitCode).toBe(0);
    const [runId] = rerun.stdout.toString().trim().split(" ");
    const file = join(repo, ".exprag", "runs", `${runId}.jsonl`);
    await waitFor(() => existsSync(file) && writtenRecords(file).some((r) => r.kind === "run_end"), "the rerun to end", 60_000);
    const records = readRecords(file);
    expect((runStart(records) as { rerun_of: string }).rerun_of).toBe(summary.runs[2].run_id);
    expect(records.find((r) => r.kind === "track")!.value).toEqual({ arg: HOSTILE });
  }, 120_000);

  test("a point scancel'ed while pending reads cancelled, and --wait ends with it", async () => {
    const repo = makeRepo({ "train.py": TRAIN });
    const { sweep, jobId, tag } = await waitingSweep(repo, ["--sbatch", "--hold", "--grid", "x=1,2", "--", "python3", "train.py", "{x}"]);
    expect(slurmCommand("squeue", "-h", "-r", "-j", jobId, "-o", "%T").trim().split("\n")).toEqual(["PENDING", "PENDING"]);
    // In the store already, while Slurm holds them.
    const queued = JSON.parse((await runIn(repo, ["ls", "--json", "--tag", tag], slurmEnv())).stdout.toString());
    expect((queued.runs ?? queued).map((r: { status: string }) => r.status)).toEqual(["pending", "pending"]);
    slurmCommand("scancel", jobId);
    const summary = JSON.parse(await new Response(sweep.stdout).text());
    expect(await sweep.exited).toBe(1);
    expect(summary.runs.map((r: { status: string }) => r.status)).toEqual(["cancelled", "cancelled"]);
    // Never started, yet in the store: both points, cancelled.
    const listed = JSON.parse((await runIn(repo, ["ls", "--json", "--tag", summary.tag], slurmEnv())).stdout.toString());
    expect((listed.runs ?? listed).map((r: { status: string }) => r.status)).toEqual(["cancelled", "cancelled"]);
    expect(runFiles(join(repo, ".exprag"))).toHaveLength(2);
    // Written into each run file as Slurm said it: read so where Slurm cannot be asked.
    for (const file of runFiles(join(repo, ".exprag"))) {
      const records = readRecords(file);
      expect(records.map((r) => r.kind)).toEqual(["run_start", "run_end"]);
      expect((records[1]!.value as { scheduler_end: { state: string; job_id: string } }).scheduler_end.state).toBe("CANCELLED");
      expect((records[1]!.value as { scheduler_end: { job_id: string } }).scheduler_end.job_id).toStartWith(`${jobId}_`);
    }
    const unreachable = JSON.parse(
      (await runIn(repo, ["ls", "--json", "--tag", summary.tag], { SLURM_CONF: join(repo, "no-such-slurm.conf") })).stdout.toString(),
    );
    expect((unreachable.runs ?? unreachable).map((r: { status: string }) => r.status)).toEqual(["cancelled", "cancelled"]);
  }, 60_000);

  test("a point killed by its real time limit reads timeout", async () => {
    const repo = makeRepo({ "train.py": TRAIN });
    const result = await runIn(repo, ["sweep", "--slurm", "--wait", "--json", "--sbatch", "--time=1", "--grid", "x=1", "--", "sleep", "300"], slurmEnv());
    const summary = JSON.parse(result.stdout.toString());
    expect(summary.runs.map((r: { status: string }) => r.status)).toEqual(["timeout"]);
    const end = readRecords(runFiles(join(repo, ".exprag"))[0]!).find((r) => r.kind === "run_end")!.value as { scheduler_end: { state: string } };
    expect(end.scheduler_end.state).toBe("TIMEOUT");
  }, 200_000);
});
