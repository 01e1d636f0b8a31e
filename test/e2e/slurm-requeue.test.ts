/**
 * A Slurm task requeued while it runs (`scontrol requeue`, as a preemption that requeues does):
 * its first attempt ends `preempted`, and the attempt Slurm starts next is a run of its own that
 * repeats it, with the sweep's tag, instead of failing on the first attempt's file.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AGENT_MARKERS } from "../../src/core/record/author";
import { SIGNALLED_PATIENCE_MS } from "../../src/core/slurm/job-state";
import { fakeSlurm, runTask } from "./fake-slurm";
import { gitEnv, makeRepo, runIn } from "./git-harness";
import { cleanEnv, readRecords, runEnd, runFiles, type StoredRecord, waitFor, writtenRecords } from "./harness";
import { noSlurm, slurm, slurmCommand, slurmEnv, waitingSweep } from "./slurm-harness";

type Start = { rerun_of?: string; queued?: unknown; scheduler?: { restart_count?: string } };

describe("a requeued Slurm task's attempt", () => {
  test("records a run of its own (derived id, repeating the attempt before it, the sweep's tag); the same attempt twice does not", async () => {
    const repo = makeRepo({ "README.md": "# project\n" });
    const { bin, state } = fakeSlurm();
    const env = { PATH: `${bin}:${process.env.PATH}` };
    writeFileSync(state, "JobId=77 ArrayJobId=77 ArrayTaskId=0 JobState=PENDING Reason=None\n");
    const sweep = JSON.parse((await runIn(repo, ["sweep", "--slurm", "--json", "--grid", "x=1", "--", "true"], env)).stdout.toString());
    const attempt = (restarts: string | undefined) =>
      Bun.spawnSync(["sh", sweep.script], {
        cwd: repo,
        env: cleanEnv({ ...gitEnv, ...env, SLURM_JOB_ID: "78", SLURM_ARRAY_JOB_ID: "77", SLURM_ARRAY_TASK_ID: "0", SLURM_RESTART_COUNT: restarts }),
        stdout: "pipe",
        stderr: "pipe",
      }).exitCode;
    expect(attempt(undefined)).toBe(0);
    // Its writer killed past Slurm's grace: no run_end, a torn last line.
    const firstFile = join(repo, ".exprag", "runs", `${sweep.runs[0].run_id}.jsonl`);
    const lines = readFileSync(firstFile, "utf8").split("\n").filter(Boolean);
    writeFileSync(firstFile, `${lines.filter((line) => !line.includes('"run_end"')).join("\n")}\n{"kind":"tra`);
    expect(attempt("1")).toBe(0);
    const after = readFileSync(firstFile, "utf8").split("\n");
    expect(after.at(-3)).toBe('{"kind":"tra');
    const ended = JSON.parse(after.at(-2)!);
    expect(ended.kind).toBe("run_end");
    expect(ended.value).toMatchObject({ status: "preempted", exit_code: null, scheduler_end: { kind: "slurm", job_id: "78", state: "REQUEUED" } });
    expect(attempt("2")).toBe(0);
    // The same attempt again, or a count that is no number, finds its run there already.
    expect(attempt("2")).not.toBe(0);
    expect(attempt("x")).not.toBe(0);
    const starts = runFiles(join(repo, ".exprag")).map((file) => JSON.parse(readFileSync(file, "utf8").split("\n")[0]!) as StoredRecord);
    const first = sweep.runs[0].run_id as string;
    const byRestart = Object.fromEntries(starts.map((r) => [(r.value as Start).scheduler?.restart_count ?? "0", r]));
    expect(Object.keys(byRestart).sort()).toEqual(["0", "1", "2"]);
    expect(byRestart["0"]!.run_id).toBe(first);
    expect((byRestart["1"]!.value as Start).rerun_of).toBe(first);
    expect((byRestart["2"]!.value as Start).rerun_of).toBe(byRestart["1"]!.run_id);
    const listed = JSON.parse((await runIn(repo, ["ls", "--json", "--tag", sweep.tag], env)).stdout.toString());
    expect((listed.runs ?? listed).map((run: { status: string }) => run.status).sort()).toEqual(["ok", "ok", "preempted"]);
    // The newest attempt is the latest run, and each attempt lists after the one it repeats.
    expect(JSON.parse((await runIn(repo, ["show", "latest", "--json"], env)).stdout.toString()).run_id).toBe(byRestart["2"]!.run_id);
    const order = JSON.parse((await runIn(repo, ["ls", "--json", "--all"], env)).stdout.toString()).map((run: { run_id: string }) => run.run_id);
    expect(order).toEqual([byRestart["2"]!.run_id, byRestart["1"]!.run_id, first]);
  }, 60_000);
});

describe("a Slurm task whose end Slurm is slow to name", () => {
  /**
   * Runs the first attempt of a one-point sweep whose command is `script` under a fake Slurm that
   * shows its job RUNNING (`answers` gives the Nth ask another answer); its run_end and how often
   * Slurm was asked.
   */
  async function firstAttempt(
    script: string,
    answers: Record<number, string> = {},
    shown = "JobState=RUNNING Reason=None Restarts=0",
    taskEnv: (bin: string) => Record<string, string | undefined> = () => ({}),
  ) {
    const repo = makeRepo({ "README.md": "# project\n" });
    const { bin, state, asks } = fakeSlurm();
    const env = { PATH: `${bin}:${process.env.PATH}` };
    writeFileSync(state, "JobId=77 ArrayJobId=77 ArrayTaskId=0 JobState=PENDING Reason=None\n");
    const sweep = JSON.parse((await runIn(repo, ["sweep", "--slurm", "--json", "--grid", "x=1", "--", "sh", "-c", script, "{x}"], env)).stdout.toString());
    writeFileSync(state, shown && `JobId=78 ArrayJobId=77 ArrayTaskId=0 ${shown}\n`);
    for (const [ask, answer] of Object.entries(answers)) writeFileSync(`${state}.${ask}`, `JobId=78 ArrayJobId=77 ArrayTaskId=0 ${answer}\n`);
    rmSync(asks, { force: true });
    expect(runTask(sweep.script, repo, { ...env, SLURM_JOB_ID: "78", SLURM_ARRAY_JOB_ID: "77", ...taskEnv(bin) }, 0)).not.toBe(0);
    const end = runEnd(readRecords(runFiles(join(repo, ".exprag"))[0]!)) as { status: string; scheduler_end?: { state: string } };
    return { end, asks: readFileSync(asks, "utf8").split("\n").filter(Boolean).length };
  }
  // Slurm ends a job by signalling all its processes: exprag gets the SIGTERM, and passes it on.
  const signalledBySlurm = "kill -TERM $PPID; exec sleep 30";

  test("a requeue Slurm names only after asks that still show the job RUNNING reads preempted", async () => {
    const { end, asks } = await firstAttempt(signalledBySlurm, { 3: "JobState=PENDING Reason=BeginTime Restarts=1" });
    expect(end).toMatchObject({ status: "preempted", scheduler_end: { kind: "slurm", job_id: "78", state: "REQUEUED" } });
    expect(asks).toBe(3);
  }, 60_000);

  test("exprag told of its own signal only after the command died of its still asks patiently", async () => {
    // The command dies at once, of a signal Slurm does not end jobs with (so that only exprag's own signal can make it
    // patient); exprag's SIGTERM comes 150 ms later, from a process that holds none of its pipes.
    const lateSignal = "p=$PPID; (sleep 0.15; kill -TERM $p) </dev/null >/dev/null 2>&1 3>&- & kill -HUP $$";
    const { end, asks } = await firstAttempt(lateSignal, { 3: "JobState=PENDING Reason=BeginTime Restarts=1" });
    expect(end).toMatchObject({ status: "preempted", scheduler_end: { kind: "slurm", job_id: "78", state: "REQUEUED" } });
    expect(asks).toBe(3);
  }, 60_000);

  test("a job Slurm never names a cause for settles on killed, asked for a bounded while", async () => {
    const { end, asks } = await firstAttempt(signalledBySlurm);
    expect(end.status).toBe("killed");
    expect(end.scheduler_end).toBeUndefined();
    // More than the two asks of a run exprag was not signalled in, and no more than one each 300 ms of the bound.
    expect(asks).toBeGreaterThan(2);
    expect(asks).toBeLessThanOrEqual(Math.ceil(SIGNALLED_PATIENCE_MS / 300) + 1);
  }, 60_000);

  test("a job Slurm does not know is asked once", async () => {
    const unknown = await firstAttempt(signalledBySlurm, {}, "");
    expect(unknown).toEqual({ end: expect.objectContaining({ status: "killed" }), asks: 1 });
  }, 60_000);

  // Slurm signals the command and exprag in no set order: on a real Slurm, exprag often learns of its
  // own SIGTERM only after it has finished asking, or never, and the controller may be slow to answer.
  const diedAlone = "kill -TERM $$";

  test("a command that died of Slurm's SIGTERM reads preempted although exprag got none, past an ask with no answer", async () => {
    const requeued = { 3: "JobState=COMPLETING Reason=None Restarts=1" };
    const { end, asks } = await firstAttempt(diedAlone, { 1: "slurm_load_jobs error: Socket timed out on send/recv operation", ...requeued });
    expect(end).toMatchObject({ status: "preempted", scheduler_end: { kind: "slurm", job_id: "78", state: "REQUEUED" } });
    expect(asks).toBe(3);
    // And past quick asks that still show it RUNNING.
    expect(await firstAttempt(diedAlone, requeued)).toMatchObject({ end: { status: "preempted" }, asks: 3 });
  }, 60_000);

  test("exprag signalled after run_start, before its command started, asks Slurm too, and reads preempted", async () => {
    // Slurm's SIGTERM comes while exprag reads git's user name for the point's tag, after run_start:
    // as when a requeue follows the run's showing at once.
    const signalBeforeStart = (bin: string) => {
      writeFileSync(join(bin, "git"), `#!/bin/sh\n[ "$*" = "config --get user.name" ] && kill -TERM $PPID\nexec '${Bun.which("git")}' "$@"\n`);
      chmodSync(join(bin, "git"), 0o755);
      // An agent's marker would name the author without asking git.
      return Object.fromEntries(AGENT_MARKERS.map(([variable]) => [variable, undefined]));
    };
    const { end, asks } = await firstAttempt("exit 0", { 2: "JobState=COMPLETING Reason=None Restarts=1" }, undefined, signalBeforeStart);
    expect(end).toMatchObject({ status: "preempted", signal: "SIGTERM", error: "SIGTERM arrived before the command started" });
    expect(end.scheduler_end).toMatchObject({ kind: "slurm", job_id: "78", state: "REQUEUED" });
    expect(asks).toBe(2);
  }, 60_000);

  test("a command that died of a SIGTERM Slurm never names a cause for settles on killed, asked for a bounded while", async () => {
    const { end, asks } = await firstAttempt(diedAlone);
    expect(end.status).toBe("killed");
    expect(asks).toBeGreaterThan(2);
    expect(asks).toBeLessThanOrEqual(Math.ceil(SIGNALLED_PATIENCE_MS / 300) + 1);
  }, 60_000);

  test("a command that died of a signal Slurm does not end jobs with, exprag not signalled, asks twice, not for seconds", async () => {
    const alone = await firstAttempt("kill -USR1 $$", { 3: "JobState=PENDING Reason=BeginTime Restarts=1" });
    expect(alone).toEqual({ end: expect.objectContaining({ status: "killed" }), asks: 2 });
  }, 60_000);

  test("a run of a user's own in an allocation, stopped by a signal Slurm did not send, asks twice, not for seconds", async () => {
    const repo = makeRepo({ "README.md": "# project\n" });
    const { bin, state, asks } = fakeSlurm();
    writeFileSync(state, "JobId=78 JobState=RUNNING Reason=None Restarts=0\n");
    rmSync(asks, { force: true });
    // As `timeout` or a hung-up terminal would: exprag gets a SIGTERM while Slurm's job runs on.
    const run = await runIn(repo, ["run", "--", "sh", "-c", "kill -TERM $PPID; exec sleep 30"], { PATH: `${bin}:${process.env.PATH}`, SLURM_JOB_ID: "78" });
    expect(run.exitCode).not.toBe(0);
    expect(readFileSync(asks, "utf8").split("\n").filter(Boolean).length).toBe(2);
    expect((runEnd(readRecords(runFiles(join(repo, ".exprag"))[0]!)) as { status: string }).status).toBe("killed");
  }, 60_000);

  test("a run signalled before its command starts asks Slurm twice in a user's allocation, and not at all outside Slurm", async () => {
    for (const [jobId, expected] of [
      ["78", 2],
      [undefined, 0],
    ] as const) {
      const repo = makeRepo({ "README.md": "# project\n" });
      const { bin, state, asks } = fakeSlurm();
      writeFileSync(state, "JobId=78 JobState=RUNNING Reason=None Restarts=0\n");
      // The run's search for its repository (rev-parse) signals exprag: the command never starts.
      writeFileSync(
        join(bin, "git"),
        `#!/bin/sh\ncase "$*" in *rev-parse*) [ -e '${bin}/signalled' ] || { : > '${bin}/signalled'; kill -TERM $PPID; } ;; esac\nexec '${Bun.which("git")}' "$@"\n`,
      );
      chmodSync(join(bin, "git"), 0o755);
      const run = await runIn(repo, ["run", "--", "touch", "started"], { PATH: `${bin}:${process.env.PATH}`, SLURM_JOB_ID: jobId });
      expect(run.exitCode).toBe(143);
      expect(readFileSync(asks, { encoding: "utf8", flag: "a+" }).split("\n").filter(Boolean)).toHaveLength(expected);
      expect(runEnd(readRecords(runFiles(join(repo, ".exprag"))[0]!))).toMatchObject({
        status: "killed",
        error: "SIGTERM arrived before the command started",
      });
    }
  }, 60_000);
});

describe.skipIf(noSlurm)(`a requeued Slurm task on a real Slurm${"reason" in slurm ? ` (skipped: ${slurm.reason})` : ""}`, () => {
  test("its first attempt reads preempted; the next is its own run, repeating it, in the sweep", async () => {
    const repo = makeRepo({ "README.md": "# project\n" });
    const store = join(repo, ".exprag");
    const submitted = await waitingSweep(repo, ["--grid", "x=1", "--", "sleep", "300"]);
    await using waiting = submitted.sweep;
    await waitFor(() => runFiles(store).length === 1, "the point's run file", 30_000);
    const first = runFiles(store)[0]!;
    const sweep = { job_id: submitted.jobId, tag: submitted.tag, runs: [{ run_id: readRecords(first)[0]!.run_id as string }] };
    const started = () => readRecords(first).some((r) => r.kind === "run_start" && (r.value as Start).queued === undefined);
    await waitFor(started, "the first attempt's run to start", 60_000);
    const task = `${sweep.job_id}_0`;
    slurmCommand("scontrol", "requeue", task);
    await waitFor(() => writtenRecords(first).some((r) => r.kind === "run_end"), "the first attempt's run_end", 30_000);
    const end = readRecords(first).find((r) => r.kind === "run_end")!.value as { status: string; scheduler_end: { state: string } };
    expect(end.status).toBe("preempted");
    expect(end.scheduler_end.state).toBe("REQUEUED");

    // Slurm holds a requeued job back a while (BeginTime) before it may start again: let it start in a few
    // seconds (not at once: a start in the second of the requeue finds its job credential revoked).
    const second = () => runFiles(store).find((file) => file !== first);
    let hurried = false;
    await waitFor(
      () => {
        if (!hurried && /JobState=PENDING Reason=BeginTime/.test(slurmCommand("scontrol", "show", "job", "-o", task))) {
          slurmCommand("scontrol", "update", `JobId=${task}`, "StartTime=now+3");
          hurried = true;
        }
        return second() !== undefined && readRecords(second()!).length > 0;
      },
      "the second attempt's run",
      180_000,
    );
    const start = readRecords(second()!)[0]!.value as Start;
    expect(start.rerun_of).toBe(sweep.runs[0]!.run_id);
    expect(start.scheduler?.restart_count).toBe("1");
    // sweep --wait waits on for the attempt that runs now.
    expect(waiting.exitCode).toBe(null);
    slurmCommand("scancel", sweep.job_id);
    await waitFor(() => writtenRecords(second()!).some((r) => r.kind === "run_end"), "the second attempt's run_end", 30_000);
    const listed = JSON.parse((await runIn(repo, ["ls", "--json", "--tag", sweep.tag], slurmEnv())).stdout.toString());
    const runs = (listed.runs ?? listed) as { run_id: string; status: string }[];
    // Both attempts are in the sweep; how the second ended (its scancel) is slurm-status.test.ts's subject.
    expect(runs.map((run) => run.run_id).sort()).toEqual([sweep.runs[0]!.run_id, readRecords(second()!)[0]!.run_id as string].sort());
    expect(runs.find((run) => run.run_id === sweep.runs[0]!.run_id)!.status).toBe("preempted");
    const summary = JSON.parse(await new Response(waiting.stdout).text()) as { runs: { run_id: string; status: string }[] };
    await waiting.exited;
    expect(summary.runs.map((run) => run.run_id)).toEqual([readRecords(second()!)[0]!.run_id as string]);
    expect(summary.runs[0]!.status).not.toBe("preempted");
  }, 300_000);
});
