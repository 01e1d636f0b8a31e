/**
 * Answers an agent can be sure of, each from one command: why a run failed, where it diverged,
 * whether two runs share their code, what its clocks mean, and what the run knew of its job.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeRepo, runIn, write } from "./git-harness";
import { EXPRAG, exprag, isRoot, onlyRun, readRecords, recordLine, runEnd, runFiles, runStart, tempDir, waitFor, works, writtenRecords } from "./harness";
import { atTerminal, hasPty } from "./terminal";

const hasPython = works("python3", "--version");

describe("why a run failed", () => {
  test.skipIf(!hasPython)("a Python traceback: run_end keeps the end of stderr, and its last line is the error", async () => {
    const cwd = tempDir();
    const script = "import sys\nprint('loading', file=sys.stderr)\ndef train(lr):\n    raise ValueError(f'bad learning rate {lr}')\ntrain(7)\n";
    writeFileSync(join(cwd, "train.py"), script);
    const result = await exprag(["run", "--", "python3", "train.py"], { cwd });
    expect(result.exitCode).toBe(1);
    const end = runEnd(onlyRun(join(cwd, ".exprag")));
    expect(end.error).toBe("ValueError: bad learning rate 7");
    expect(end.stderr_tail[0]).toBe("loading");
    expect(end.stderr_tail).toContain("Traceback (most recent call last):");
    const [listed] = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    expect(listed.error).toBe("ValueError: bad learning rate 7");
    expect(JSON.parse((await exprag(["show", "latest", "--json"], { cwd })).text).error).toBe("ValueError: bad learning rate 7");
    expect(JSON.parse((await exprag(["ls", "--json", "--where", 'error ~ "*learning rate*"'], { cwd })).text)).toHaveLength(1);
  });

  test.each([
    ["an error: line", "echo step 1; echo 'error: cannot open data/train.csv' >&2; echo cleaning up >&2; exit 2", "error: cannot open data/train.csv"],
    ["the last line when nothing names an error", "echo 'out of patience' >&2; echo 'giving up' >&2; exit 1", "giving up"],
    ["nothing when stderr is empty", "exit 4", null],
  ])("%s", async (_, script, error) => {
    const cwd = tempDir();
    await exprag(["run", "--no-log", "--", "sh", "-c", script], { cwd });
    expect(runEnd(onlyRun(join(cwd, ".exprag"))).error ?? null).toBe(error);
  });

  test("the kept stderr is bounded: the last 20 lines, at most 4 KiB; an ok run has no error", async () => {
    const cwd = tempDir();
    const script = `i=0; while [ $i -lt 100 ]; do echo "line $i $(printf '%0180d' 0)" >&2; i=$((i+1)); done`;
    await exprag(["run", "--", "sh", "-c", script], { cwd });
    const end = runEnd(onlyRun(join(cwd, ".exprag")));
    expect(end.status).toBe("ok");
    expect(end.error).toBeUndefined();
    expect(end.stderr_tail.length).toBeLessThanOrEqual(20);
    expect(Buffer.byteLength(end.stderr_tail.join("\n"))).toBeLessThanOrEqual(4096);
    expect(end.stderr_tail.at(-1)).toStartWith("line 99 ");
  });
});

describe("which runs diverged", () => {
  test.skipIf(!hasPython)(
    "the first NaN or infinity is recorded with its path, step and file:line; ls, show and --where tell",
    async () => {
      const cwd = tempDir();
      const script = [
        "import json",
        "for step in range(5):",
        "    loss = float('nan') if step >= 3 else 1.0 / (step + 1)",
        "    print('EXPRAG::' + json.dumps({'step': step, 'metrics': {'acc': 0.5, 'loss': loss}}))",
      ].join("\n");
      await exprag(["run", "--name", "nan", "--", "python3", "-c", script], { cwd });
      await exprag(["run", "--name", "fine", "--", "sh", "-c", 'echo \'EXPRAG::{"metrics": {"loss": 0.1}}\''], { cwd });
      const file = runFiles(join(cwd, ".exprag"))[0]!;
      const runs = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
      expect(runs.map((r: { experiment_name: string; diverged: unknown }) => [r.experiment_name, r.diverged])).toEqual([
        ["fine", false],
        ["nan", { path: "metrics.loss", step: 3, source: `${file}:5` }],
      ]);
      expect(JSON.parse(readFileSync(file, "utf8").split("\n")[4]!).value).toEqual({ step: 3, metrics: { acc: 0.5, loss: "NaN" } });
      expect(
        JSON.parse((await exprag(["ls", "--json", "--where", "diverged"], { cwd })).text).map((r: { experiment_name: string }) => r.experiment_name),
      ).toEqual(["nan"]);
      if (hasPty) {
        const shown = Bun.stripANSI((await atTerminal([EXPRAG, "show", "latest~1"], { cwd })).output);
        expect(shown).toContain(`diverged  metrics.loss became non-finite at step 3 (${file}:5)`);
        expect(Bun.stripANSI((await atTerminal([EXPRAG, "ls"], { cwd })).output)).toContain("ok (diverged)");
      }
    },
    60_000,
  );
});

describe("is this the same code?", () => {
  test("a dirty run and a later commit of the same changes share a code id; compare suggests diff only where code differs", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "print('v2')\n");
    await runIn(repo, ["run", "--name", "dirty", "--", "true"]);
    git(repo, "commit", "-qam", "v2 as it ran");
    await runIn(repo, ["run", "--name", "committed", "--", "true"]);
    write(repo, "train.py", "print('v3')\n");
    await runIn(repo, ["run", "--name", "changed", "--", "true"]);
    const runs = JSON.parse((await runIn(repo, ["ls", "--json"])).text) as { experiment_name: string; commit: string; tree: string; short_id: string }[];
    const [changed, committed, dirty] = runs;
    expect(dirty!.commit).not.toBe(committed!.commit);
    expect(dirty!.tree).toBe(committed!.tree);
    expect(changed!.tree).not.toBe(dirty!.tree);
    const same = JSON.parse((await runIn(repo, ["compare", dirty!.short_id, committed!.short_id, "--json"])).text);
    expect(same.code).toEqual([]);
    const differ = JSON.parse((await runIn(repo, ["compare", dirty!.short_id, committed!.short_id, changed!.short_id, "--json"])).text);
    expect(differ.code).toEqual([`exprag diff ${dirty!.short_id} ${changed!.short_id}`]);
    // A run recorded without a tree (an older exprag, the original) gets it from git on read.
    const file = runFiles(join(repo, ".exprag"))[1]!;
    const lines = readFileSync(file, "utf8").split("\n");
    const start = JSON.parse(lines[0]!);
    delete start.value.git.tree;
    writeFileSync(file, [JSON.stringify(start), ...lines.slice(1)].join("\n"));
    const again = JSON.parse((await runIn(repo, ["ls", "--json"])).text);
    expect(again[1].tree).toBe(committed!.tree);
    const table = (await runIn(repo, ["ls", "--columns", "name,code"])).text;
    expect(table).toBe(`name\tcode\nchanged\t${changed!.tree.slice(0, 8)}\ncommitted\t${committed!.tree.slice(0, 8)}\ndirty\t${committed!.tree.slice(0, 8)}\n`);
  });
});

describe("times that mean what they say", () => {
  test("elapsed_ms counts from the command's start and never passes its end; run_start reads 0", async () => {
    const cwd = tempDir();
    const lines = Array.from({ length: 50 }, (_, i) => `EXPRAG::{"i": ${i}}`).join("\\n");
    await exprag(["run", "--", "sh", "-c", `printf '${lines}\\n'; sleep 0.1`], { cwd });
    const records = onlyRun(join(cwd, ".exprag"));
    const end = runEnd(records);
    expect(records[0]!.elapsed_ms).toBe(0);
    for (const record of records.filter((r) => r.kind === "track")) expect(record.elapsed_ms).toBeLessThanOrEqual(end.duration_ms);
    expect(records.at(-1)!.elapsed_ms).toBeLessThanOrEqual(end.duration_ms);
  });
});

describe("what a run knew of where it ran", () => {
  test("tags given at the start, accelerators and the batch job are recorded and selectable", async () => {
    const cwd = tempDir();
    await exprag(["run", "--tag", "sweep:abc", "--tag", "first", "--", "true"], {
      cwd,
      env: { CUDA_VISIBLE_DEVICES: "1", SLURM_JOB_ID: "4242", SLURM_ARRAY_TASK_ID: "3", SLURMD_NODENAME: "gpu07" },
    });
    const start = runStart(onlyRun(join(cwd, ".exprag")));
    expect(start.devices).toEqual({ CUDA_VISIBLE_DEVICES: "1" });
    expect(start.scheduler).toEqual({ kind: "slurm", job_id: "4242", array_task_id: "3", node: "gpu07" });
    const selected = JSON.parse(
      (await exprag(["ls", "--json", "--tag", "sweep:abc", "--where", "scheduler.job_id = 4242 and devices.CUDA_VISIBLE_DEVICES = 1"], { cwd })).text,
    );
    expect(selected.map((r: { tags: string[] }) => r.tags)).toEqual([["sweep:abc", "first"]]);
  });

  test("-q keeps exprag quiet at the end; --verbose shows each git command and its time", async () => {
    const repo = makeRepo();
    const quiet = await runIn(repo, ["run", "-q", "--", "true"]);
    expect(quiet.stderr).toBe("");
    const verbose = await runIn(repo, ["run", "--verbose", "--", "true"]);
    expect(verbose.stderr).toMatch(/exprag: git .*status --porcelain=v2 .*\(\d+\.\d ms\)/);
  });
});

describe("a heartbeat for runs of other hosts", () => {
  const anotherHost = (interval: number) => ({
    metadata: {},
    process: { started: { host: "another-host", pid: 1, boot_id: null, start_ticks: null }, heartbeat_s: interval },
  });

  test("a run file of another host is running while its heartbeat is fresh, crashed once it is three intervals old", async () => {
    const cwd = tempDir();
    const id = "01a00000-0000-7000-8000-0000000000c1";
    const file = join(cwd, ".exprag", "runs", `${id}.jsonl`);
    Bun.spawnSync(["mkdir", "-p", join(cwd, ".exprag", "runs")]);
    writeFileSync(file, recordLine(id, "run_start", anotherHost(1)));
    expect(JSON.parse((await exprag(["ls", "--json"], { cwd })).text)[0].status).toBe("running");
    const old = new Date(Date.now() - 10_000);
    utimesSync(file, old, old);
    expect(JSON.parse((await exprag(["ls", "--json"], { cwd })).text)[0].status).toBe("crashed");
  });

  test("a live run keeps its heartbeat while the command prints nothing", async () => {
    const cwd = tempDir();
    const run = Bun.spawn([EXPRAG, "run", "--", "sleep", "2.5"], { cwd, env: { ...process.env, EXPRAG_HEARTBEAT_S: "0.5" }, stderr: "ignore" });
    await waitFor(() => runFiles(join(cwd, ".exprag")).length === 1, "the run file");
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    const first = Bun.file(file).lastModified;
    await waitFor(() => Bun.file(file).lastModified > first + 900, "a heartbeat");
    await run.exited;
    expect(readRecords(file).at(-1)!.kind).toBe("run_end");
  });

  const canUnshare = isRoot && works("unshare", "-u", "true");
  test.skipIf(!canUnshare)(
    "a run started as another host (its own UTS namespace), killed, reads running, then crashed",
    async () => {
      const cwd = tempDir();
      // The command says its pid, so that the test can end it once exprag is gone.
      const command = "echo $$ > command.pid; exec sleep 30";
      const run = Bun.spawn(["unshare", "-u", "sh", "-c", `hostname another-node && exec ${EXPRAG} run -- sh -c '${command}'`], {
        cwd,
        env: { ...process.env, EXPRAG_HEARTBEAT_S: "1" },
        stderr: "ignore",
      });
      const pidFile = join(cwd, "command.pid");
      await waitFor(() => runFiles(join(cwd, ".exprag")).length === 1 && writtenRecords(runFiles(join(cwd, ".exprag"))[0]!).length === 1, "the run to start");
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"), "the command to say its pid");
      const status = async () => JSON.parse((await exprag(["ls", "--json"], { cwd })).text)[0].status;
      expect(runStart(onlyRun(join(cwd, ".exprag"))).host.hostname).toBe("another-node");
      expect(await status()).toBe("running");
      run.kill("SIGKILL");
      await run.exited;
      process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
      await waitFor(() => Date.now() - Bun.file(runFiles(join(cwd, ".exprag"))[0]!).lastModified > 3_500, "three heartbeats missed");
      expect(await status()).toBe("crashed");
    },
    60_000,
  );
});

describe("diff answers with its exit code, and names its sides", () => {
  test("--quiet and --exit-code: 1 when the code differs, 0 when it is the same, as git diff does", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "v2\n");
    await runIn(repo, ["run", "--", "true"]);
    await runIn(repo, ["run", "--", "true"]);
    expect((await runIn(repo, ["diff", "latest~1", "latest", "--quiet"])).exitCode).toBe(0);
    expect((await runIn(repo, ["diff", "latest", "--quiet"])).exitCode).toBe(0);
    write(repo, "train.py", "v3\n");
    const quiet = await runIn(repo, ["diff", "latest", "--quiet"]);
    expect([quiet.exitCode, quiet.text]).toEqual([1, ""]);
    const shown = await runIn(repo, ["diff", "latest", "--exit-code", "--stat"]);
    expect(shown.exitCode).toBe(1);
    expect(shown.text).toContain("train.py | 2 +-");
  });

  test.skipIf(!hasPty)("at a terminal, stderr names the two sides before the patch", async () => {
    const repo = makeRepo();
    await runIn(repo, ["run", "--", "true"]);
    write(repo, "train.py", "v2\n");
    const id = JSON.parse((await runIn(repo, ["ls", "--json"])).text)[0];
    const result = await atTerminal([EXPRAG, "diff", "latest"], { cwd: repo, env: { GIT_PAGER: "cat", NO_COLOR: "1", HOME: tempDir() } });
    expect(result.output).toContain(`exprag: diff of run ${id.short_id} (commit ${id.commit.slice(0, 12)}) against the work tree`);
  });
});

describe("--json from the commands that change things", () => {
  test("checkout, rm and gc say what they did", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "v2\n");
    await runIn(repo, ["run", "--", "true"]);
    const [run] = JSON.parse((await runIn(repo, ["ls", "--json"])).text);
    const worktree = join(tempDir(), "wt");
    const checkout = JSON.parse((await runIn(repo, ["checkout", run.short_id, "--worktree", worktree, "--json"])).text);
    expect(checkout).toEqual({ run_id: run.run_id, commit: run.commit, worktree, branch: null, in_place: false });
    git(repo, "worktree", "remove", "--force", worktree);
    const removed = JSON.parse((await runIn(repo, ["rm", run.short_id, "--yes", "--json"])).text);
    expect(removed).toEqual({ deleted: [run.run_id], failed: [], refs_kept: [] });
    await runIn(repo, ["run", "--", "true"]);
    const gc = JSON.parse((await runIn(repo, ["gc", "--json", "--dry-run"])).text);
    expect(gc).toEqual({
      dry_run: true,
      refs_deleted: [],
      refs_kept: [],
      indexes_deleted: [],
      indexes_kept: [],
      worktrees_removed: [],
      worktrees_kept: [],
      cache_entries_deleted: 0,
      staged_files_deleted: [],
      outputs_deleted: [],
    });
  });
});
