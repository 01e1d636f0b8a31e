import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeRepo } from "./git-harness";
import { cleanEnv, EXPRAG, exprag, isLinux, onlyRun, readRecords, runEnd, runFiles, type StoredRecord, tempDir, waitFor, works } from "./harness";

const hasPython = works("python3", "--version");
/** The Bun running the tests, standing in for node: scripts in JavaScript. */
const BUN = process.execPath;

/** The line of a run file `source` points at, read back. */
function recordAt(source: string): StoredRecord {
  const at = source.lastIndexOf(":");
  const records = readRecords(source.slice(0, at));
  return records[Number(source.slice(at + 1)) - 1]!;
}

describe.skipIf(!isLinux)("exprag run --stop-when: a rule ends the command as the records arrive", () => {
  test("a tracked path is its latest value: a shell loop stopped at the first loss above 5", async () => {
    const cwd = tempDir();
    const loop = 'i=0; while :; do i=$((i+1)); echo "EXPRAG::{\\"step\\": $i, \\"metrics\\": {\\"loss\\": $i}}"; sleep 0.02; done';
    const result = await exprag(["run", "--stop-when", "metrics.loss > 5", "--", "sh", "-c", loop], { cwd, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(123);
    const end = runEnd(onlyRun(join(cwd, ".exprag")));
    expect(end).toMatchObject({ status: "stopped", signal: "SIGTERM", stopped_by: { rule: "metrics.loss > 5", step: 6 } });
    expect(recordAt(end.stopped_by.source)).toMatchObject({ kind: "track", value: { step: 6, metrics: { loss: 6 } } });
    expect(end.stopped_by.elapsed_ms).toBe(recordAt(end.stopped_by.source).elapsed_ms);
    expect(result.stderr).toContain('rule "metrics.loss > 5" held');
    const shown = await exprag(["show", "latest", "--json"], { cwd });
    expect(JSON.parse(shown.text)).toMatchObject({ status: "stopped", stopped_by: end.stopped_by });
    expect((await exprag(["show", "latest"], { cwd })).text).toContain(`stopped_by.rule\tmetrics.loss > 5\nstopped_by.source\t${end.stopped_by.source}\n`);
    expect(JSON.parse((await exprag(["ls", "--status", "stopped", "--json"], { cwd })).text)).toHaveLength(1);
  }, 60_000);

  test.skipIf(!hasPython)(
    "an aggregate is over the series so far: Python stopped once max(acc) reached 0.5, though acc then fell",
    async () => {
      const cwd = tempDir();
      const script = `import json, itertools, time
for step in itertools.count(1):
    acc = 0.1 * step if step <= 5 else 0.2
    print("EXPRAG::" + json.dumps({"step": step, "acc": acc}), flush=True)
    time.sleep(0.02)
`;
      writeFileSync(join(cwd, "train.py"), script);
      const result = await exprag(["run", "--stop-when", "max(acc) >= 0.5 and acc < 0.3", "--", "python3", "train.py"], { cwd, timeoutMs: 60_000 });
      expect(result.exitCode).toBe(123);
      const end = runEnd(onlyRun(join(cwd, ".exprag")));
      expect(end).toMatchObject({ status: "stopped", stopped_by: { rule: "max(acc) >= 0.5 and acc < 0.3", step: 6 } });
    },
    60_000,
  );

  test("diverged: a JavaScript script whose loss went NaN is stopped at that record", async () => {
    const cwd = tempDir();
    const script = `let step = 0;
setInterval(() => {
  step++;
  console.log(step < 4 ? "EXPRAG::" + JSON.stringify({ step, loss: 1 / step }) : \`EXPRAG::{"step": \${step}, "loss": NaN}\`);
}, 20);
`;
    writeFileSync(join(cwd, "train.js"), script);
    const result = await exprag(["run", "--stop-when", "diverged", "--", BUN, "train.js"], { cwd, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(123);
    const end = runEnd(onlyRun(join(cwd, ".exprag")));
    expect(end).toMatchObject({ status: "stopped", stopped_by: { rule: "diverged", step: 4 }, diverged: { path: "loss", step: 4 } });
    expect(end.stopped_by.source).toBe(end.diverged.source);
  }, 60_000);

  test("elapsed holds with no record coming: a silent command stopped after a second", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--stop-when", "elapsed > 1s", "--", "sh", "-c", "exec sleep 60"], { cwd, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(123);
    const end = runEnd(onlyRun(join(cwd, ".exprag")));
    expect(end).toMatchObject({ status: "stopped", signal: "SIGTERM", stopped_by: { rule: "elapsed > 1s", source: null, step: null } });
    expect(end.stopped_by.elapsed_ms).toBeGreaterThan(1000);
  }, 60_000);

  test.skipIf(!hasPython)(
    "a command that ignores SIGTERM is killed after the grace, and the whole group goes",
    async () => {
      const cwd = tempDir();
      // It says it is ready only once SIGTERM is ignored, here and in its own child.
      const script = `import json, signal, subprocess, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen(["sh", "-c", "trap '' TERM; echo started > started; while :; do sleep 0.05; done"])
open("pid", "w").write(str(child.pid))
while True:
    time.sleep(0.05)
    try:
        open("started").close()
        print("EXPRAG::" + json.dumps({"ready": 1}), flush=True)
    except FileNotFoundError:
        pass
`;
      writeFileSync(join(cwd, "stubborn.py"), script);
      const result = await exprag(["run", "--stop-when", "ready = 1", "--stop-grace", "500ms", "--", "python3", "stubborn.py"], { cwd, timeoutMs: 60_000 });
      expect(result.exitCode).toBe(123);
      const end = runEnd(onlyRun(join(cwd, ".exprag")));
      expect(end).toMatchObject({ status: "stopped", signal: "SIGKILL", exit_code: 137, stopped_by: { rule: "ready = 1" } });
      const grandchild = Number(readFileSync(join(cwd, "pid"), "utf8"));
      await waitFor(() => !liveProcess(grandchild), "the command's own child to be killed too");
    },
    60_000,
  );

  test.skipIf(!isLinux)(
    "a child that ignores SIGTERM still gets SIGKILL after the grace when the command itself ended at SIGTERM",
    async () => {
      const cwd = tempDir();
      writeFileSync(
        join(cwd, "stubborn.py"),
        'import os, signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nopen("pid", "w").write(str(os.getpid()))\nwhile True: time.sleep(0.05)\n',
      );
      const command = `python3 stubborn.py & until [ -s pid ]; do sleep 0.05; done; echo 'EXPRAG::{"ready": 1}'; wait`;
      const result = await exprag(["run", "-q", "--stop-when", "ready = 1", "--stop-grace", "500ms", "--", "sh", "-c", command], { cwd, timeoutMs: 60_000 });
      expect(result.exitCode).toBe(123);
      // exprag waited out the grace and sent SIGKILL (which the kernel delivers a moment later): the
      // child ends, a zombie at most where nothing reaps orphans. Without that SIGKILL it never would.
      const child = Number(readFileSync(join(cwd, "pid"), "utf8"));
      try {
        await waitFor(() => !liveProcess(child), "the child that ignored SIGTERM to be killed");
      } finally {
        if (liveProcess(child)) process.kill(child, "SIGKILL");
      }
    },
    60_000,
  );

  test.skipIf(!isLinux)(
    "a signal to exprag reaches the whole group of a command with a limit, a wrapper script's children too",
    async () => {
      const cwd = tempDir();
      const proc = Bun.spawn([EXPRAG, "run", "-q", "--time-limit", "60s", "--", "sh", "-c", "sleep 60 & echo $! > pid; wait"], {
        cwd,
        env: cleanEnv(),
        stdout: "ignore",
        stderr: "ignore",
      });
      const pidFile = join(cwd, "pid");
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", "the wrapper's child");
      const child = Number(readFileSync(pidFile, "utf8"));
      try {
        proc.kill("SIGTERM");
        expect(await proc.exited).toBe(143);
        await waitFor(() => !liveProcess(child), "the wrapper's child to end with it");
      } finally {
        if (liveProcess(child)) process.kill(child, "SIGKILL");
      }
      expect(runEnd(onlyRun(join(cwd, ".exprag"))).status).toBe("killed");
    },
    60_000,
  );

  test.skipIf(!isLinux)(
    "USR1 (a checkpoint asked for) reaches the command alone, as without a limit: a worker with no handler goes on",
    async () => {
      const cwd = tempDir();
      const script = `trap 'echo checkpoint' USR1; sleep 2 & p=$!; echo ready; wait $p; wait $p; echo "worker exit $?"`;
      const proc = Bun.spawn([EXPRAG, "run", "-q", "--time-limit", "60s", "--", "sh", "-c", script], {
        cwd,
        env: cleanEnv(),
        stdout: "pipe",
        stderr: "ignore",
      });
      const reader = proc.stdout.getReader();
      let seen = "";
      while (!seen.includes("ready\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      proc.kill("SIGUSR1");
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      expect(await proc.exited).toBe(0);
      expect(seen).toContain("checkpoint\n");
      expect(seen).toContain("worker exit 0\n");
    },
    60_000,
  );

  test("--time-limit ends a command that takes longer, status timeout, exit 124", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--time-limit", "1s", "--", "sh", "-c", "exec sleep 60"], { cwd, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(124);
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "timeout", signal: "SIGTERM", exit_code: 143 });
  }, 60_000);

  test("a limit or a grace longer than a runtime timer holds (24.8 days) is waited for, not taken as none", async () => {
    const cwd = tempDir();
    const long = await exprag(["run", "--time-limit", "30d", "--", "sh", "-c", "sleep 0.3"], { cwd, timeoutMs: 60_000 });
    expect(long.exitCode).toBe(0);
    expect(runEnd(onlyRun(join(cwd, ".exprag"))).status).toBe("ok");
    // The command cleans up for a moment after SIGTERM: a 30-day grace lets it, where SIGKILL came after 1 ms.
    const graceful = tempDir();
    const script = 'trap "sleep 0.5; echo cleaned up; exit 0" TERM; while :; do sleep 0.1; done';
    const stopped = await exprag(["run", "--time-limit", "1s", "--stop-grace", "30d", "--", "sh", "-c", script], { cwd: graceful, timeoutMs: 60_000 });
    expect(stopped.text).toContain("cleaned up");
    expect(runEnd(onlyRun(join(graceful, ".exprag")))).toMatchObject({ status: "timeout", exit_code: 0 });
  }, 60_000);

  test("a command that ends within its limit and without its rule holding ends as usual", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--time-limit", "60", "--stop-when", "loss > 5", "--", "sh", "-c", 'echo "EXPRAG::{\\"loss\\": 1}"'], { cwd });
    expect(result.exitCode).toBe(0);
    const end = runEnd(onlyRun(join(cwd, ".exprag")));
    expect(end.status).toBe("ok");
    expect(end.stopped_by).toBeUndefined();
  });
});

describe("exprag run: a rule that cannot be used is a usage error before anything starts", () => {
  test.each([
    ["metrics.loss >", "column 15: expected a value after '>'"],
    ["exit_code != 0", "exit_code is only known once the run has ended"],
    ["elapsed > soon", "elapsed compares with seconds or a duration"],
    [" ", "--stop-when needs a condition"],
  ])("--stop-when %j", async (rule, message) => {
    const cwd = tempDir();
    const result = await exprag(["run", "--stop-when", rule, "--", "touch", "ran"], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(existsSync(join(cwd, "ran"))).toBe(false);
    expect(runFiles(join(cwd, ".exprag"))).toEqual([]);
  });

  test.each([
    ["--time-limit", "soon"],
    ["--stop-grace", "-1s"],
    ["--time-limit", "0"],
  ])("%s %s", async (option, value) => {
    const cwd = tempDir();
    const result = await exprag(["run", option, value, "--", "touch", "ran"], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${option} expects a duration`);
    expect(existsSync(join(cwd, "ran"))).toBe(false);
  });

  test("a bad rule in the project config names the file and the key", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, ".exprag.toml"), 'stop-when = ["loss >"]\n');
    const result = await exprag(["run", "--", "touch", "ran"], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`stop-when in ${join(cwd, ".exprag.toml")}`);
    expect(existsSync(join(cwd, "ran"))).toBe(false);
  });
});

describe.skipIf(!isLinux)("rules and limits from the project config, sweep and rerun", () => {
  test("the config's stop rules and time limit apply to every run", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, ".exprag.toml"), 'stop-when = "step >= 3"\ntime-limit = "30s"\nstop-grace = 1\n');
    const loop = 'i=0; while :; do i=$((i+1)); echo "EXPRAG::{\\"step\\": $i}"; sleep 0.02; done';
    const result = await exprag(["run", "--", "sh", "-c", loop], { cwd, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(123);
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "stopped", stopped_by: { rule: "step >= 3", step: 3 } });
  }, 60_000);

  test("every point of a sweep has the same time limit", async () => {
    const repo = makeRepo({ "README.md": "# limits\n" });
    const result = await exprag(["sweep", "--grid", "n=1,2", "--time-limit", "1", "--", "sh", "-c", "echo {n}; exec sleep 60"], {
      cwd: repo,
      timeoutMs: 90_000,
    });
    expect(result.exitCode).toBe(1);
    const ends = runFiles(join(repo, ".exprag")).map((file) => runEnd(readRecords(file)));
    expect(ends).toHaveLength(2);
    for (const end of ends) expect(end).toMatchObject({ status: "timeout", stopped_by: { rule: "--time-limit 1" } });
  }, 90_000);

  test("a rerun's own time limit applies to it: status timeout, stopped_by its limit, exit 124", async () => {
    const repo = makeRepo({ "README.md": "# limits\n" });
    const store = join(repo, ".exprag");
    const first = await exprag(["run", "--time-limit", "1", "--", "sh", "-c", "exec sleep 60"], { cwd: repo, timeoutMs: 60_000 });
    expect(first.exitCode).toBe(124);
    const [original] = runFiles(store);
    const again = await exprag(["rerun", "latest", "--time-limit", "2s"], { cwd: repo, timeoutMs: 60_000 });
    expect(again.exitCode).toBe(124);
    const rerun = runFiles(store).find((file) => file !== original)!;
    expect(runEnd(readRecords(rerun))).toMatchObject({ status: "timeout", signal: "SIGTERM", stopped_by: { rule: "--time-limit 2s", source: null } });
  }, 60_000);

  test("a rerun's own stop rule applies to it, not the original's: stopped at its record", async () => {
    const repo = makeRepo({ "README.md": "# limits\n" });
    const store = join(repo, ".exprag");
    const loop = 'i=0; while :; do i=$((i+1)); echo "EXPRAG::{\\"step\\": $i}"; sleep 0.02; done';
    const first = await exprag(["run", "--stop-when", "step >= 2", "--", "sh", "-c", loop], { cwd: repo, timeoutMs: 60_000 });
    expect(first.exitCode).toBe(123);
    const [original] = runFiles(store);
    const again = await exprag(["rerun", "latest", "--stop-when", "step >= 4", "--stop-grace", "1"], { cwd: repo, timeoutMs: 60_000 });
    expect(again.exitCode).toBe(123);
    const rerun = runFiles(store).find((file) => file !== original)!;
    const end = runEnd(readRecords(rerun));
    expect(end).toMatchObject({ status: "stopped", signal: "SIGTERM", stopped_by: { rule: "step >= 4", step: 4 } });
    expect(end.stopped_by.source).toStartWith(rerun);
    expect(recordAt(end.stopped_by.source)).toMatchObject({ kind: "track", value: { step: 4 } });
  }, 60_000);

  test("a sweep with a bad rule starts no run", async () => {
    const repo = makeRepo({ "README.md": "# limits\n" });
    const result = await exprag(["sweep", "--grid", "n=1,2", "--stop-when", "loss >", "--", "touch", "ran-{n}"], { cwd: repo });
    expect(result.exitCode).toBe(2);
    expect(runFiles(join(repo, ".exprag"))).toEqual([]);
  });
});

/** Whether a process runs (a zombie, which nothing may reap here, does not). */
function liveProcess(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe.skipIf(!isLinux)("exprag check-rules: the rules replayed on a recorded run", () => {
  test("agrees with what the live rule did: the same record, step and time", async () => {
    const cwd = tempDir();
    const loop = 'i=0; while :; do i=$((i+1)); echo "EXPRAG::{\\"step\\": $i, \\"loss\\": $((10 - i))}"; sleep 0.02; done';
    const rule = "min(loss) < 4 or step > 100";
    await exprag(["run", "--stop-when", rule, "--", "sh", "-c", loop], { cwd, timeoutMs: 60_000 });
    const live = runEnd(onlyRun(join(cwd, ".exprag"))).stopped_by;
    const replay = await exprag(["check-rules", "latest", "--stop-when", rule, "--stop-when", "loss < 8", "--stop-when", "loss < -100", "--json"], { cwd });
    expect(replay.exitCode).toBe(0);
    const answer = JSON.parse(replay.text);
    expect(answer.recorded).toEqual(live);
    expect(answer.rules[0].stopped_by).toEqual(live);
    expect(answer.rules[1].stopped_by).toMatchObject({ rule: "loss < 8", step: 3 });
    expect(answer.rules[2].stopped_by).toBeNull();
    expect(answer.stopped_by).toMatchObject({ rule: "loss < 8", step: 3 });
  }, 60_000);

  test("a number written too large to be finite (1e400) is a divergence, live and replayed alike", async () => {
    const cwd = tempDir();
    const lines = ['{"step": 1, "loss": 2.5}', '{"step": 2, "loss": 1e400}', '{"step": 3, "loss": 1.5}'];
    const script = `${lines.map((line) => `echo 'EXPRAG::${line}'`).join("; ")}; sleep 30`;
    const result = await exprag(["run", "--stop-when", "diverged", "--", "sh", "-c", script], { cwd, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(123);
    const end = runEnd(onlyRun(join(cwd, ".exprag")));
    expect(end).toMatchObject({ status: "stopped", stopped_by: { rule: "diverged", step: 2 }, diverged: { path: "loss", step: 2 } });
    expect(recordAt(end.stopped_by.source)).toMatchObject({ kind: "track", value: { step: 2 } });
    const replay = JSON.parse((await exprag(["check-rules", "latest", "--stop-when", "diverged", "--json"], { cwd })).text);
    expect(replay.rules[0].stopped_by).toEqual(end.stopped_by);
  }, 60_000);

  test('a tracked "NaN" (what a NaN is stored as) is a divergence live, in the run\'s record and replayed alike', async () => {
    const cwd = tempDir();
    const lines = ['{"step": 1, "loss": 1}', '{"step": 2, "loss": "NaN"}', '{"step": 3, "loss": 0.5}'];
    const script = `${lines.map((line) => `echo 'EXPRAG::${line}'`).join("; ")}; sleep 30`;
    const result = await exprag(["run", "--stop-when", "diverged", "--", "sh", "-c", script], { cwd, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(123);
    const end = runEnd(onlyRun(join(cwd, ".exprag")));
    expect(end).toMatchObject({ status: "stopped", stopped_by: { rule: "diverged", step: 2 }, diverged: { path: "loss", step: 2 } });
    const replay = JSON.parse((await exprag(["check-rules", "latest", "--stop-when", "diverged", "--json"], { cwd })).text);
    expect(replay.rules[0].stopped_by).toEqual(end.stopped_by);
    // A key named NaN, or the text "NaN is fine", is no divergence.
    await exprag(["run", "--", "sh", "-c", `echo 'EXPRAG::{"NaN": 1, "note": "NaN is fine", "loss": 1}'`], { cwd });
    expect((await exprag(["ls", "--limit", "1", "--columns", "diverged"], { cwd })).text).toBe("diverged\nfalse\n");
  }, 60_000);

  test("the tags a run started with hold in the replay as they did live, not tags given later", async () => {
    const cwd = tempDir();
    const rule = "tags = fast and loss > 5";
    const result = await exprag(["run", "--tag", "fast", "--stop-when", rule, "--", "sh", "-c", `echo 'EXPRAG::{"loss": 9}'; sleep 30`], {
      cwd,
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(123);
    const replay = JSON.parse((await exprag(["check-rules", "latest", "--stop-when", rule, "--json"], { cwd })).text);
    expect(replay.rules[0].stopped_by).toEqual(replay.recorded);
    expect(replay.recorded).toMatchObject({ rule });
    await exprag(["run", "--", "sh", "-c", `echo 'EXPRAG::{"loss": 9}'`], { cwd });
    await exprag(["tag", "latest", "fast"], { cwd });
    const later = JSON.parse((await exprag(["check-rules", "latest", "--stop-when", rule, "--json"], { cwd })).text);
    expect(later.stopped_by).toBeNull();
  }, 60_000);

  test("a rule on a path the run never had (a typo) says so, with the closest it has; a rule that never held on a path it has says nothing", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "sh", "-c", `echo 'EXPRAG::{"step": 1, "metrics": {"loss": 3}}'`], { cwd });
    const typo = await exprag(["check-rules", "latest", "--stop-when", "metric.loss < 2", "--stop-when", "metrics.loss < 1", "--json"], { cwd });
    expect(typo.exitCode).toBe(0);
    expect(JSON.parse(typo.text).stopped_by).toBeNull();
    const id = JSON.parse(typo.text).short_id;
    expect(typo.stderr).toContain(`--stop-when "metric.loss < 2": run ${id} never had metric.loss; did you mean metrics.loss?`);
    expect(typo.stderr).not.toContain("metrics.loss < 1");
    // One word for a path however many times the rule reads it.
    const twice = await exprag(["check-rules", "latest", "--stop-when", "max(metric.loss) > 9 and last(metric.loss) > 9 and metric.loss > 9"], { cwd });
    expect(twice.stderr.split("never had metric.loss;").length - 1).toBe(1);
    // wait on ended runs: the same word, once for each, naming it.
    await exprag(["run", "--", "sh", "-c", `echo 'EXPRAG::{"step": 1, "metrics": {"loss": 1}}'`], { cwd });
    const waited = await exprag(["wait", "latest", "latest~1", "--until", "max(metric.loss) > 2", "--json"], { cwd });
    expect(waited.exitCode).toBe(1);
    const said = waited.stderr.split("\n").filter((line) => line.includes("never had metric.loss;"));
    expect(said).toHaveLength(2);
    expect(said[1]).toContain(`run ${id} never had`);
  });

  test("a rule on a path a live run has not reported yet says nothing: it may yet", async () => {
    const cwd = tempDir();
    const live = Bun.spawn([EXPRAG, "run", "--", "sh", "-c", `echo 'EXPRAG::{"metrics": {"loss": 5}}'; exec sleep 60`], {
      cwd,
      env: cleanEnv(),
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      await waitFor(() => runFiles(join(cwd, ".exprag")).some((file) => readFileSync(file, "utf8").includes('"kind":"track"')), "the live run's record");
      const replay = await exprag(["check-rules", "latest", "--stop-when", "metrics.acc > 0.1", "--json"], { cwd });
      expect(replay.exitCode).toBe(0);
      expect(replay.stderr).not.toContain("never had");
    } finally {
      live.kill();
      await live.exited;
    }
  });

  test("needs a rule, and a bad one is a usage error", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "true"], { cwd });
    expect((await exprag(["check-rules", "latest"], { cwd })).exitCode).toBe(2);
    expect((await exprag(["check-rules", "latest", "--stop-when", "a >"], { cwd })).exitCode).toBe(2);
  });
});
