import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, EXPRAG, exprag, isLinux, readRecords, recordLine, runFiles, tempDir, waitFor } from "./harness";

/**
 * A recorded command that writes `{"step": N}` each time a file `go-N` appears in its folder,
 * and ends when `end` appears: the test decides when each record is written, without sleeping.
 */
const STEPPER = 'n=0; while [ ! -f end ]; do if [ -f "go-$((n+1))" ]; then n=$((n+1)); echo "EXPRAG::{\\"step\\": $n}"; fi; sleep 0.01; done';

function startRun(cwd: string, name: string) {
  const proc = Bun.spawn([EXPRAG, "run", "--name", name, "--", "sh", "-c", `echo $$ > ${name}.pid; ${STEPPER}`], {
    cwd,
    env: cleanEnv(),
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  return {
    proc,
    /** The run's id, once its command has started. */
    async id(): Promise<string> {
      // The shell makes the file before it writes the pid: wait for the whole line.
      const pidFile = join(cwd, `${name}.pid`);
      await waitFor(() => existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, "utf8")), `run ${name} to start`);
      const mine = runFiles(join(cwd, ".exprag"))
        .map((file) => readRecords(file)[0]!)
        .find((record) => record.experiment_name === name);
      return mine!.run_id;
    },
  };
}

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}

function startWait(cwd: string, args: string[]) {
  const proc = Bun.spawn([EXPRAG, "wait", ...args, "--json"], { cwd, env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return (async () => {
    const [text, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { exitCode, stderr, answer: text ? JSON.parse(text) : null };
  })();
}

describe.skipIf(!isLinux)("exprag wait", () => {
  test("is woken by a record another process writes, and says the run still runs", async () => {
    const cwd = tempDir();
    const run = startRun(cwd, "one");
    const id = await run.id();
    const waiting = startWait(cwd, [id, "--until", "step >= 2", "--timeout", "60"]);
    writeFileSync(join(cwd, "go-1"), "");
    writeFileSync(join(cwd, "go-2"), "");
    const { exitCode, answer } = await waiting;
    expect(exitCode).toBe(0);
    expect(answer).toMatchObject({ outcome: "held", until: "step >= 2", runs: [{ held: true, run: { run_id: id, status: "running" } }] });
    writeFileSync(join(cwd, "end"), "");
    expect(await run.proc.exited).toBe(0);
  }, 60_000);

  test("waits for every run named, and by default until they end", async () => {
    const cwd = tempDir();
    const [a, b] = [startRun(cwd, "a"), startRun(cwd, "b")];
    const ids = [await a.id(), await b.id()];
    const held = startWait(cwd, [...ids, "--until", "step >= 1", "--timeout", "60"]);
    writeFileSync(join(cwd, "go-1"), "");
    const first = await held;
    expect(first.exitCode).toBe(0);
    expect(first.answer.runs.map((r: { held: boolean; run: { run_id: string } }) => [r.run.run_id, r.held])).toEqual([
      [ids[0], true],
      [ids[1], true],
    ]);
    const ended = startWait(cwd, ids);
    writeFileSync(join(cwd, "end"), "");
    const second = await ended;
    expect(second.exitCode).toBe(0);
    expect(second.answer.until).toBe("status not in [running, pending]");
    expect(second.answer.runs.map((r: { run: { status: string } }) => r.run.status)).toEqual(["ok", "ok"]);
    // Each run as ls --json gives it, params, metadata and annotations included.
    const listed = JSON.parse((await exprag(["ls", ...ids, "--json"], { cwd })).text);
    expect(second.answer.runs.map((r: { run: unknown }) => r.run)).toEqual(listed);
  }, 60_000);

  test("exits 1 when the run ends without the condition, 124 when the timeout passes first", async () => {
    const cwd = tempDir();
    const run = startRun(cwd, "short");
    const id = await run.id();
    const timedOut = await startWait(cwd, [id, "--until", "step >= 1", "--timeout", "1s"]);
    expect(timedOut.exitCode).toBe(124);
    expect(timedOut.answer).toMatchObject({ outcome: "timeout", runs: [{ held: false, run: { status: "running" } }] });
    // A timeout longer than a runtime timer holds (24.8 days) is waited for too, not passed at once.
    const ended = startWait(cwd, [id, "--until", "step >= 5", "--timeout", "30d"]);
    writeFileSync(join(cwd, "end"), "");
    const result = await ended;
    expect(result.exitCode).toBe(1);
    expect(result.answer).toMatchObject({ outcome: "ended", runs: [{ held: false, run: { status: "ok" } }] });
  }, 60_000);

  test("reports crashed when the run's writer is killed", async () => {
    const cwd = tempDir();
    const run = startRun(cwd, "doomed");
    const id = await run.id();
    const waiting = startWait(cwd, [id, "--until", "step >= 1", "--timeout", "60"]);
    const commandPid = Number(readFileSync(join(cwd, "doomed.pid"), "utf8"));
    // process.kill(0) would end this test's own process group.
    expect(commandPid).toBeGreaterThan(1);
    run.proc.kill("SIGKILL");
    await run.proc.exited;
    process.kill(commandPid, "SIGKILL");
    const { exitCode, answer } = await waiting;
    expect(exitCode).toBe(1);
    expect(answer).toMatchObject({ outcome: "ended", runs: [{ held: false, run: { run_id: id, status: "crashed" } }] });
  }, 60_000);

  test("a run deleted while waited for ends the wait: exit 1, said once", async () => {
    const cwd = tempDir();
    const run = startRun(cwd, "removed");
    const id = await run.id();
    const proc = Bun.spawn([EXPRAG, "wait", id, "--until", "step >= 1", "--timeout", "60", "--json"], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
    try {
      // Deleted once the wait watches the run's file (an inotify descriptor of its own), not before it found the run.
      const watching = () => readdirSync(`/proc/${proc.pid}/fd`).some((fd) => readlinkOrEmpty(`/proc/${proc.pid}/fd/${fd}`).includes("inotify"));
      await waitFor(watching, "the wait to watch the run");
      expect((await exprag(["rm", id, "--force", "--yes"], { cwd })).exitCode).toBe(0);
      const [text, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect(exitCode).toBe(1);
      expect(JSON.parse(text)).toMatchObject({ outcome: "ended", runs: [] });
      expect(stderr.split("\n").filter((line) => line.includes("was deleted while waited for"))).toHaveLength(1);
    } finally {
      writeFileSync(join(cwd, "end"), "");
      await run.proc.exited;
    }
  }, 60_000);

  test("follows a run of another host on a shared store by its file", async () => {
    const cwd = tempDir();
    const store = join(cwd, ".exprag");
    mkdirSync(join(store, "runs"), { recursive: true });
    const id = "01a24380-0000-7000-8000-000000000001";
    const file = join(store, "runs", `${id}.jsonl`);
    const started = { host: "elsewhere-node-7", pid: 4242, boot_id: null, start_ticks: null };
    const start = { git: {}, host: { hostname: "elsewhere-node-7" }, process: { pid: 4242, started, heartbeat_s: 30 }, metadata: {} };
    writeFileSync(file, recordLine(id, "run_start", start, { created_at: new Date().toISOString() }));
    const waiting = startWait(cwd, [id, "--until", "loss < 0.5", "--timeout", "60"]);
    appendFileSync(file, recordLine(id, "track", { step: 1, loss: 0.9 }));
    appendFileSync(file, recordLine(id, "track", { step: 2, loss: 0.4 }));
    const { exitCode, answer } = await waiting;
    expect(exitCode).toBe(0);
    expect(answer).toMatchObject({ outcome: "held", runs: [{ held: true, run: { status: "running", metrics: { loss: 0.4 } } }] });
  }, 60_000);

  test("a bad condition, timeout or no run is a usage error", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "true"], { cwd });
    for (const args of [["latest", "--until", "step >"], ["latest", "--until", " "], ["latest", "--timeout", "soon"], []]) {
      const result = await exprag(["wait", ...args], { cwd });
      expect(result.exitCode).toBe(2);
    }
    // The error names the flag it came from, not --where.
    const bad = await exprag(["wait", "latest", "--until", "bad >"], { cwd });
    expect(bad.stderr).toContain('--until "bad >": column 6');
    expect(bad.stderr).not.toContain("--where:");
    expect((await exprag(["wait", "latest", "--until", " "], { cwd })).stderr).toContain("--until needs a condition");
  });
});
