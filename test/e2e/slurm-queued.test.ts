/**
 * The points of a Slurm sweep are in the store from submit on, read with what Slurm says of their
 * tasks. Slurm's clients are faked here (sbatch answers a job id, scontrol prints what the test
 * wrote), so this runs anywhere; slurm-sweep.test.ts does it on a real Slurm.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { fakeSlurm, runTask } from "./fake-slurm";
import { git, gitEnv, makeRepo, runIn, write } from "./git-harness";
import { cleanEnv, EXPRAG, readRecords } from "./harness";

const TRAIN = "import json, sys\nprint('EXPRAG::' + json.dumps({'arg': sys.argv[1]}))\n";

type Listed = { run_id: string; status: string; params: { x: number }; tags: string[]; commit: string };

async function listed(repo: string, env: Record<string, string>, ...args: string[]): Promise<Listed[]> {
  const result = await runIn(repo, ["ls", "--json", ...args], env);
  expect(result.exitCode).toBe(0);
  const parsed = JSON.parse(result.stdout.toString());
  return (parsed.runs ?? parsed).sort((a: Listed, b: Listed) => a.params.x - b.params.x);
}

describe("a Slurm sweep's points before their tasks start", () => {
  test("are listed pending from submit, cancelled once Slurm drops them unstarted, and a task's run takes its point's place", async () => {
    const repo = makeRepo({ "train.py": TRAIN });
    write(repo, "train.py", `${TRAIN}# edited\n`);
    write(repo, ".claude/settings.local.json", '{"agent": true}\n');
    const { bin, state } = fakeSlurm();
    const env = { PATH: `${bin}:${process.env.PATH}` };
    writeFileSync(state, "JobId=77 ArrayJobId=77 ArrayTaskId=0-3 JobState=PENDING Reason=JobHeldUser\n");

    const submitted = await runIn(repo, ["sweep", "--slurm", "--json", "--grid", "x=1,2,3,4", "--", "python3", "train.py", "{x}"], env);
    expect(submitted.exitCode).toBe(0);
    const sweep = JSON.parse(submitted.stdout.toString()) as { tag: string; job_id: string; script: string; runs: { run_id: string }[] };
    expect(sweep.job_id).toBe("77");

    let runs = await listed(repo, env, "--tag", sweep.tag);
    expect(runs.map((run) => [run.params.x, run.status])).toEqual([
      [1, "pending"],
      [2, "pending"],
      [3, "pending"],
      [4, "pending"],
    ]);
    expect(runs.map((run) => run.run_id).sort()).toEqual(sweep.runs.map((run) => run.run_id).sort());
    expect(runs.every((run) => run.tags.includes(sweep.tag))).toBe(true);
    const tagged = await runIn(repo, ["tag", runs[2]!.run_id, "checked", "--json"], env);
    expect(JSON.parse(tagged.stdout.toString()).tags).toEqual([sweep.tag, "checked"]);
    expect(await listed(repo, env, "--status", "pending")).toHaveLength(4);
    expect(await listed(repo, env, "--where", "status = pending")).toHaveLength(4);
    const brief = JSON.parse((await runIn(repo, ["brief", "--json"], env)).stdout.toString());
    expect(brief.counts.pending).toBe(4);
    expect(brief.recent).toHaveLength(0);
    // The MCP tool answers as ls --json does.
    const transport = new StdioClientTransport({ command: EXPRAG, args: ["mcp"], cwd: repo, env: cleanEnv({ ...gitEnv, ...env }), stderr: "pipe" });
    const client = new Client({ name: "exprag-queued", version: "1.0.0" });
    await client.connect(transport);
    try {
      const result = (await client.callTool({ name: "list_runs", arguments: { status: ["pending"], tags: [sweep.tag] } })) as CallToolResult;
      const fromTool = JSON.parse((result.content as { text: string }[])[1]!.text) as Listed[];
      expect(fromTool.sort((a, b) => a.params.x - b.params.x)).toEqual(await listed(repo, env, "--status", "pending", "--tag", sweep.tag));
    } finally {
      await client.close();
    }
    // A pending run has not ended: wait keeps waiting for it.
    const waited = await runIn(repo, ["wait", runs[0]!.run_id, "--timeout", "1s", "--json"], env);
    expect(waited.exitCode).toBe(124);

    // The sweep's code left the agent's folder out, as a local sweep's does.
    const snapshot = git(repo, "ls-tree", "-r", "--name-only", runs[0]!.commit).split("\n");
    expect(snapshot).toContain("train.py");
    expect(snapshot).not.toContain(".claude/settings.local.json");

    // Task 1 scancel'ed while pending (Slurm shows it CANCELLED); task 2 gone from Slurm unstarted;
    // task 3 being requeued (Slurm still has it in hand).
    writeFileSync(
      state,
      "JobId=78 ArrayJobId=77 ArrayTaskId=1 JobState=CANCELLED Reason=JobHeldUser\nJobId=77 ArrayJobId=77 ArrayTaskId=0 JobState=PENDING Reason=None\nJobId=79 ArrayJobId=77 ArrayTaskId=3 JobState=REQUEUED Reason=None\n",
    );
    runs = await listed(repo, env, "--tag", sweep.tag);
    expect(runs.map((run) => run.status)).toEqual(["pending", "cancelled", "cancelled", "pending"]);
    // An end Slurm names is learnt once, written into the run file as a run's end is: Slurm's state and reason.
    const fileOf = (run: Listed) => join(repo, ".exprag", "runs", `${run.run_id}.jsonl`);
    const cancelled = readRecords(fileOf(runs[1]!));
    expect(cancelled.map((r) => r.kind)).toEqual(["run_start", "run_end"]);
    expect(cancelled[1]!.value).toMatchObject({
      status: "cancelled",
      exit_code: null,
      scheduler_end: { kind: "slurm", job_id: "77_1", state: "CANCELLED", reason: "JobHeldUser" },
    });
    // A task Slurm does not know is not written ended: the Slurm asked may be another cluster's; nor is one being requeued.
    expect(readRecords(fileOf(runs[2]!)).map((r) => r.kind)).toEqual(["run_start"]);
    expect(readRecords(fileOf(runs[3]!)).map((r) => r.kind)).toEqual(["run_start"]);
    // Asked again, nothing more is written.
    await listed(repo, env, "--tag", sweep.tag);
    expect(readRecords(fileOf(runs[1]!))).toEqual(cancelled);

    // Task 0 runs on a node: its `exprag run` replaces the queued file, same run id.
    if (!Bun.which("python3")) return;
    expect(runTask(sweep.script, repo, env, 0)).toBe(0);
    runs = await listed(repo, env, "--tag", sweep.tag);
    expect(runs.map((run) => run.status)).toEqual(["ok", "cancelled", "cancelled", "pending"]);
    // A task that runs after all (requeued once cancelled) takes the place of its written-back end.
    expect(runTask(sweep.script, repo, env, 1)).toBe(0);
    const ran = readRecords(fileOf(runs[1]!));
    expect((ran[0]!.value as { queued?: unknown }).queued).toBeUndefined();
    expect(ran.filter((r) => r.kind === "run_end").map((r) => (r.value as { status: string }).status)).toEqual(["ok"]);
    expect(ran.find((r) => r.kind === "track")!.value).toEqual({ arg: "2" });
    runs = await listed(repo, env, "--tag", sweep.tag);
    expect(runs.map((run) => run.status)).toEqual(["ok", "ok", "cancelled", "pending"]);
    expect(runs.map((run) => run.tags.sort())).toEqual([[sweep.tag], [sweep.tag], ["checked", sweep.tag], [sweep.tag]]);
    const records = readRecords(join(repo, ".exprag", "runs", `${runs[0]!.run_id}.jsonl`));
    expect(records.filter((r) => r.kind === "run_start")).toHaveLength(1);
    expect((records[0]!.value as { queued?: unknown }).queued).toBeUndefined();
    expect(records.find((r) => r.kind === "track")!.value).toEqual({ arg: "1" });
    expect(readdirSync(join(repo, ".exprag", "runs")).filter((name) => name.startsWith("."))).toEqual([]);

    // Slurm cannot be asked (no scontrol): a queued point reads pending, never crashed; the ended ones read as written.
    writeFileSync(join(bin, "scontrol"), "#!/bin/sh\nexit 1\n");
    runs = await listed(repo, env, "--tag", sweep.tag);
    expect(runs.map((run) => run.status)).toEqual(["ok", "ok", "pending", "pending"]);
    expect(readdirSync(join(repo, ".exprag", "runs")).filter((name) => name.startsWith("."))).toEqual([]);
  }, 90_000);

  test("log --follow on a queued point waits for its task's run and follows it to its end, or says it never began", async () => {
    const repo = makeRepo({ "say.py": "import sys\nprint('hello', sys.argv[1], flush=True)\n" });
    const { bin, state } = fakeSlurm();
    const env = { PATH: `${bin}:${process.env.PATH}` };
    writeFileSync(state, "JobId=77 ArrayJobId=77 ArrayTaskId=0-2 JobState=PENDING Reason=JobHeldUser\n");
    const submitted = await runIn(repo, ["sweep", "--slurm", "--json", "--grid", "x=1,2,3", "--", "python3", "say.py", "{x}"], env);
    const sweep = JSON.parse(submitted.stdout.toString()) as { script: string; runs: { run_id: string }[] };
    const [first, second, third] = sweep.runs.map((run) => run.run_id) as [string, string, string];
    const now = await runIn(repo, ["log", first], env);
    expect(now.exitCode).toBe(1);
    expect(now.stderr.toString()).toContain("has not started yet");

    const follow = (runId: string) =>
      Bun.spawn([EXPRAG, "log", runId, "--follow"], { cwd: repo, env: cleanEnv({ ...gitEnv, ...env }), stdout: "pipe", stderr: "pipe" });
    await using following = follow(first);
    await using cancelled = follow(second);
    const stderr = following.stderr.getReader();
    let told = "";
    while (!told.includes("waits in Slurm's queue")) told += Buffer.from((await stderr.read()).value!).toString();
    if (!Bun.which("python3")) return;
    expect(runTask(sweep.script, repo, env, 0)).toBe(0);
    expect(await new Response(following.stdout).text()).toBe("hello 1\n");
    expect(await following.exited).toBe(0);

    // Point 1 leaves the queue unstarted: its follow ends, saying so.
    writeFileSync(state, "JobId=77 ArrayJobId=77 ArrayTaskId=2 JobState=PENDING Reason=None\n");
    expect(await cancelled.exited).toBe(1);
    expect(await new Response(cancelled.stderr).text()).toContain("never began (cancelled");

    // Where Slurm cannot be asked, nothing would tell that point 2 started: following it fails at once.
    writeFileSync(join(bin, "scontrol"), "#!/bin/sh\nexit 1\n");
    const blind = await runIn(repo, ["log", third, "--follow"], env);
    expect(blind.exitCode).toBe(1);
    expect(blind.stderr.toString()).toContain("Slurm cannot be asked here");
  }, 60_000);

  test.skipIf(!Bun.which("python3"))(
    "rerun --slurm puts its run in the store at submit, pending, a rerun of its source; its task takes its place",
    async () => {
      const repo = makeRepo({ "train.py": TRAIN });
      const { bin, state } = fakeSlurm();
      const env = { PATH: `${bin}:${process.env.PATH}` };
      expect((await runIn(repo, ["run", "--", "python3", "train.py", "5"])).exitCode).toBe(0);
      const [source] = await listed(repo, env);
      writeFileSync(state, "JobId=77 ArrayJobId=77 ArrayTaskId=0 JobState=PENDING Reason=Priority\n");
      const rerun = await runIn(repo, ["rerun", source!.run_id, "--slurm"], env);
      expect(rerun.exitCode).toBe(0);
      const [runId, jobId] = rerun.stdout.toString().trim().split(" ");
      expect(jobId).toBe("77");
      const show = async () => (await listed(repo, env)).find((run) => run.run_id === runId);
      expect(await show()).toMatchObject({ status: "pending", from: source!.run_id });
      const script = join(repo, ".exprag", "slurm", `rerun-${runId}.sh`);
      expect(runTask(script, repo, env, 0)).toBe(0);
      expect(await show()).toMatchObject({ status: "ok", from: source!.run_id });
      const records = readRecords(join(repo, ".exprag", "runs", `${runId}.jsonl`));
      expect((records[0]!.value as { rerun_of: string }).rerun_of).toBe(source!.run_id);
      expect(records.find((r) => r.kind === "track")!.value).toEqual({ arg: "5" });
    },
    60_000,
  );

  test("a run file that is not a queued point is never replaced by a task", async () => {
    const repo = makeRepo({ "train.py": TRAIN });
    const first = await runIn(repo, ["run", "--", "true"]);
    expect(first.exitCode).toBe(0);
    const name = readdirSync(join(repo, ".exprag", "runs")).find((file) => file.endsWith(".jsonl"));
    const runId = name!.replace(/\.jsonl$/, "");
    const before = readRecords(join(repo, ".exprag", "runs", name!));
    const again = await runIn(repo, ["run", "--", "true"], { EXPRAG_PREPARED_RUN_ID: runId });
    expect(again.exitCode).not.toBe(0);
    expect(readRecords(join(repo, ".exprag", "runs", name!))).toEqual(before);
    expect(existsSync(join(repo, ".exprag", "runs", `.${name}.starting`))).toBe(false);
  }, 30_000);
});
