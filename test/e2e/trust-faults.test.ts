/**
 * Faults during a run, and the error contract: exprag never loses a user's code or files, keeps
 * a run's status honest whatever broke, and fails with one line and the right exit code.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { commitFiles, git, makeRepo, runIn, workTreeFiles, write } from "./git-harness";
import {
  cleanEnv,
  EXPRAG,
  exprag,
  onlyRun,
  readRecords,
  recordLine,
  runEnd,
  runFiles,
  runStart,
  shell,
  shellWaitFor,
  tempDir,
  tracked,
  waitFor,
} from "./harness";
import { atTerminal, hasPty } from "./terminal";

/**
 * A fake git first on PATH: the first call whose arguments include `word` waits until `<bin>/go`
 * exists. With `failFirst`, the first such call fails at once and the second waits: a run's early
 * status failing, so that the snapshot reads its own, against a copy of the index.
 */
function gitThatWaitsAt(word: string, failFirst = false): { bin: string; reached: () => boolean; release: () => void } {
  const bin = tempDir();
  const real = Bun.which("git");
  const fail = failFirst ? `if [ ! -e "${bin}/failed" ]; then : > "${bin}/failed"; exit 1; fi; ` : "";
  writeFileSync(
    join(bin, "git"),
    `#!/bin/sh\ncase " $* " in *" ${word} "*) ${fail}if [ ! -e "${bin}/reached" ]; then : > "${bin}/reached"; ${shellWaitFor(join(bin, "go"))}; fi;; esac\nexec ${real} "$@"\n`,
  );
  chmodSync(join(bin, "git"), 0o755);
  return { bin, reached: () => existsSync(join(bin, "reached")), release: () => writeFileSync(join(bin, "go"), "") };
}

describe("data loss", () => {
  test("gc leaves alone the temporary index of a run that is taking its snapshot right now", async () => {
    const repo = makeRepo({ "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n" });
    for (const name of ["a.txt", "b.txt", "c.txt"]) write(repo, name, `${name} changed\n`);
    const expected = workTreeFiles(repo);
    const fake = gitThatWaitsAt("status", true);
    const run = Bun.spawn([EXPRAG, "run", "--", "true"], { cwd: repo, env: cleanEnv({ PATH: `${fake.bin}:${process.env.PATH}` }), stderr: "pipe" });
    // The status started as exprag starts fails; the snapshot's own status, against its copy of the index, waits.
    await waitFor(fake.reached, "the run to reach git status");
    await waitFor(() => readdirSync(join(repo, ".git")).filter((name) => name.startsWith("exprag-")).length === 1, "the snapshot's copy of the index");
    const gc = await runIn(repo, ["gc"]);
    expect(gc.stderr).not.toContain("left by a run that was killed");
    fake.release();
    expect(await run.exited).toBe(0);
    const state = runStart(onlyRun(join(repo, ".exprag"))).git;
    expect(commitFiles(repo, state.commit)).toEqual(expected);
  }, 60_000);

  test("a run killed while reading git leaves no run file; gc then removes its temporary index", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "changed\n");
    const fake = gitThatWaitsAt("status", true);
    const run = Bun.spawn([EXPRAG, "run", "--", "true"], { cwd: repo, env: cleanEnv({ PATH: `${fake.bin}:${process.env.PATH}` }), stderr: "ignore" });
    await waitFor(fake.reached, "the run to reach git status");
    await waitFor(() => readdirSync(join(repo, ".git")).some((name) => name.startsWith("exprag-")), "the snapshot's copy of the index");
    run.kill("SIGKILL");
    await run.exited;
    fake.release();
    expect(runFiles(join(repo, ".exprag"))).toEqual([]);
    const left = readdirSync(join(repo, ".git")).filter((name) => name.startsWith("exprag-"));
    expect(left).toHaveLength(1);
    const gc = await runIn(repo, ["gc"]);
    expect(gc.stderr).toContain(`${join(repo, ".git", left[0]!)}, left by a run that was killed`);
    expect(readdirSync(join(repo, ".git")).filter((name) => name.startsWith("exprag-"))).toEqual([]);
  }, 60_000);

  test("in-place checkout refuses when the run's code holds a file the work tree has untracked and ignored (.env)", async () => {
    const repo = makeRepo();
    write(repo, ".env", "TOKEN=first\n");
    await runIn(repo, ["run", "--snapshot-secrets", "--", "true"]);
    const id = readRecords(runFiles(join(repo, ".exprag"))[0]!)[0]!.run_id;
    write(repo, ".gitignore", ".env\n");
    git(repo, "add", ".gitignore");
    git(repo, "commit", "-qm", "ignore .env");
    write(repo, ".env", "TOKEN=today\n");
    const result = await runIn(repo, ["checkout", id]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("the run's code holds .env, which the work tree has untracked (ignored, say)");
    expect(Bun.file(join(repo, ".env")).text()).resolves.toBe("TOKEN=today\n");
    expect(git(repo, "rev-parse", "--abbrev-ref", "HEAD").trim()).toBe("main");
  });

  test("in-place checkout refuses when an untracked file or link sits where the run's code has a folder", async () => {
    const repo = makeRepo();
    mkdirSync(join(repo, "model"));
    write(repo, "model/weights.txt", "w1\n");
    mkdirSync(join(repo, "d"));
    write(repo, "d/file", "f\n");
    await runIn(repo, ["run", "-q", "--", "true"]);
    const id = readRecords(runFiles(join(repo, ".exprag"))[0]!)[0]!.run_id;
    rmSync(join(repo, "model"), { recursive: true });
    rmSync(join(repo, "d"), { recursive: true });
    write(repo, ".git/info/exclude", "model\nd\n");
    write(repo, "model", "PRECIOUS\n");
    const elsewhere = join(tempDir(), "elsewhere");
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(repo, "d"));
    const result = await runIn(repo, ["checkout", id]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("the run's code holds d, model, which the work tree has untracked");
    expect(readFileSync(join(repo, "model"), "utf8")).toBe("PRECIOUS\n");
    expect(lstatSync(join(repo, "d")).isSymbolicLink()).toBe(true);
    expect(git(repo, "rev-parse", "--abbrev-ref", "HEAD").trim()).toBe("main");
  });
});

describe("faults during a run", () => {
  test("a store that cannot take run_start stops the run with 125 before the command starts, leaving nothing", async () => {
    const repo = makeRepo();
    await runIn(repo, ["run", "--", "true"]);
    const before = runFiles(join(repo, ".exprag"));
    write(repo, "train.py", "changed\n");
    // A file size limit of 0 blocks: nothing can be written at all, as on a full disk.
    const result = await shell(`ulimit -f 0; exec exprag run -- touch started`, { cwd: repo, env: { HOME: tempDir(), GIT_CONFIG_NOSYSTEM: "1" } });
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toContain("the command was not started");
    expect(existsSync(join(repo, "started"))).toBe(false);
    expect(runFiles(join(repo, ".exprag"))).toEqual(before);
    expect(git(repo, "for-each-ref", "refs/heads/run/")).toBe("");
  });

  test("a store deleted while the run writes it is reported", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", "sh", "-c", 'echo EXPRAG::1; sleep 0.2; rm -rf "$EXPRAG_DIR"; echo EXPRAG::2'], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("was deleted or replaced while the run wrote it: this run's records are gone");
  });

  test("a working directory that was deleted: one line saying what to do, the command never started", async () => {
    const parent = tempDir();
    const gone = join(parent, "gone");
    mkdirSync(gone);
    const marker = join(parent, "started");
    const script = `cd "${gone}" && rmdir "${gone}" && exec "${EXPRAG}" run -- touch "${marker}"`;
    const child = Bun.spawn(["sh", "-c", script], { env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
    const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
    // The runtime refuses before exprag's code runs (exit 1, not 125): the README says so.
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("cd into a different directory");
    expect(existsSync(marker)).toBe(false);
  });

  test("a run file with no record yet (its exprag was killed before its first record) is a crashed run", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, ".exprag", "runs"), { recursive: true });
    const id = "01a00000-0000-7000-8000-000000000001";
    writeFileSync(join(cwd, ".exprag", "runs", `${id}.jsonl`), "");
    const [run] = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    expect(run).toMatchObject({ run_id: id, status: "crashed", records: 0 });
  });

  test("relative GIT_DIR and GIT_WORK_TREE find the repository", async () => {
    const repo = makeRepo();
    mkdirSync(join(repo, "sub"));
    const result = await runIn(join(repo, "sub"), ["run", "--", "true"], { GIT_DIR: "../.git", GIT_WORK_TREE: ".." });
    expect(result.exitCode).toBe(0);
    expect(runStart(onlyRun(join(repo, ".exprag"))).git).toMatchObject({ commit: git(repo, "rev-parse", "HEAD").trim(), dirty: false });
  });

  // The Bun runtime itself refuses to start without a current directory, before exprag's code
  // runs: one line, exit 1. exprag's own check (exit 125) covers a directory removed later.
  test("a current directory that is gone is one line, and nothing runs", async () => {
    const dir = join(tempDir(), "gone");
    mkdirSync(dir);
    const result = await shell(`cd '${dir}' && rmdir '${dir}' && exprag run -- touch /dev/null/started`, { cwd: tempDir() });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/current (working )?directory/);
  });
});

describe("the error contract", () => {
  test("a git failure in gc is one line and exit 1", async () => {
    const repo = makeRepo();
    await runIn(repo, ["run", "--", "true"]);
    const bin = tempDir();
    writeFileSync(
      join(bin, "git"),
      `#!/bin/sh\ncase "$*" in *for-each-ref*) echo 'fatal: simulated failure' >&2; exit 128;; esac\nexec ${Bun.which("git")} "$@"\n`,
    );
    chmodSync(join(bin, "git"), 0o755);
    const result = await runIn(repo, ["gc"], { PATH: `${bin}:${process.env.PATH}` });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe("exprag: error: git for-each-ref failed: fatal: simulated failure\n");
  });

  test("log --tail keeps the bytes as they were: invalid UTF-8 stays, no newline is added", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "sh", "-c", "printf 'one\\ntwo \\377\\376\\nthree'"], { cwd });
    const tail = await exprag(["log", "latest", "--tail", "2"], { cwd });
    expect(tail.stdout).toEqual(Buffer.from([..."two ".split("").map((c) => c.charCodeAt(0)), 0xff, 0xfe, 10, ...Buffer.from("three")]));
    expect((await exprag(["log", "latest", "--tail", "9"], { cwd })).stdout).toEqual((await exprag(["log", "latest"], { cwd })).stdout);
  });

  test("--since 5 is a usage error, not a time in 1970 or 2001", async () => {
    const result = await exprag(["ls", "--since", "5"], { cwd: tempDir() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--since expects a span such as 90m, 2h, 3d, 2w or a date such as 2026-11-01, got "5"');
  });

  test.skipIf(!hasPty)(
    "TERM=dumb and NO_COLOR turn colour off at a terminal, show's header and git diff included; FORCE_COLOR turns it on in a pipe",
    async () => {
      const repo = makeRepo();
      write(repo, "train.py", "changed\n");
      await runIn(repo, ["run", "--", "true"]);
      write(repo, "train.py", "changed again\n");
      // With colour, each of these would colour something: the table, show's header, git's diff, the usage.
      const coloured = await atTerminal([EXPRAG, "diff", "latest"], { cwd: repo, env: { GIT_PAGER: "cat", PAGER: "cat" } });
      expect(coloured.output).toContain("\x1b[");
      for (const env of [{ TERM: "dumb" }, { NO_COLOR: "1" }]) {
        for (const args of [["ls"], ["show", "latest"], ["diff", "latest"], ["--help"]]) {
          const result = await atTerminal([EXPRAG, ...args], { cwd: repo, env: { ...env, GIT_PAGER: "cat", PAGER: "cat" } });
          expect({ env, args, escape: result.output.includes("\x1b[") }).toEqual({ env, args, escape: false });
        }
      }
      const colour = await atTerminal([EXPRAG, "show", "latest"], { cwd: repo });
      expect(colour.output).toContain("\x1b[1mrun ");
      // Piped, data stays plain TSV; what is coloured (git's diff, exprag's messages) follows the policy.
      const forced = await runIn(repo, ["diff", "latest", "--stat"], { FORCE_COLOR: "1" });
      expect(forced.text).toContain("\x1b[");
      const forcedMessage = await runIn(repo, ["show", "nosuchrun"], { FORCE_COLOR: "1" });
      expect(forcedMessage.stderr).toContain("\x1b[");
      const never = await runIn(repo, ["diff", "latest", "--stat", "--color", "never"], { FORCE_COLOR: "1" });
      expect(never.text).not.toContain("\x1b[");
    },
    120_000,
  );

  test("a run left without run_end by another host is unknown; by this host before a reboot, crashed", async () => {
    const cwd = tempDir();
    const runs = join(cwd, ".exprag", "runs");
    mkdirSync(runs, { recursive: true });
    const elsewhere = "01a00000-0000-7000-8000-0000000000a1";
    const rebooted = "01a00000-0000-7000-8000-0000000000b2";
    const started = (host: string, boot: string | null) => ({
      metadata: {},
      process: { started: { host, pid: process.pid, boot_id: boot, start_ticks: null } },
    });
    writeFileSync(join(runs, `${elsewhere}.jsonl`), recordLine(elsewhere, "run_start", started("another-host", null)));
    writeFileSync(join(runs, `${rebooted}.jsonl`), recordLine(rebooted, "run_start", started(hostname(), "00000000-0000-0000-0000-000000000000")));
    const runsNow = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    const status = Object.fromEntries(runsNow.map((r: { run_id: string; status: string }) => [r.run_id, r.status]));
    expect(status[elsewhere]).toBe("unknown");
    // The boot id is known on Linux only; elsewhere the pid (this test's, alive) decides.
    expect(status[rebooted]).toBe(existsSync("/proc/sys/kernel/random/boot_id") ? "crashed" : "running");
  });

  test.skipIf(!hasPty)(
    "a second SIGINT reaches the command even when exprag is the terminal's foreground job",
    async () => {
      const cwd = tempDir();
      // The child ignores nothing: the first INT it receives ends it, as exit 7 after recording it.
      const child = 'trap \'echo EXPRAG::{\\"got\\": \\"INT\\"}; exit 7\' INT; echo ready; while :; do sleep 0.05; done';
      const driver = [
        "import os, pty, signal, sys, time",
        "pid, fd = pty.fork()",
        `if pid == 0: os.execv(${JSON.stringify(EXPRAG)}, [${JSON.stringify(EXPRAG)}, "run", "--", "sh", "-c", ${JSON.stringify(child)}])`,
        "out = b''",
        "while b'ready' not in out:",
        "    try: out += os.read(fd, 1024)",
        "    except OSError: time.sleep(0.02)",
        "os.kill(pid, signal.SIGINT)  # to exprag alone, like kill -INT: the terminal did not send it",
        "time.sleep(0.5)",
        "os.kill(pid, signal.SIGINT)",
        "while True:",
        "    try: chunk = os.read(fd, 1024)",
        "    except OSError: break",
        "    if not chunk: break",
        "_, status = os.waitpid(pid, 0)",
        "print(os.waitstatus_to_exitcode(status))",
      ].join("\n");
      await using proc = Bun.spawn(["python3", "-c", driver], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
      const [stdout] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      expect(stdout.trim()).toBe("7");
      const records = onlyRun(join(cwd, ".exprag"));
      expect(tracked(records)).toEqual([{ got: "INT" }]);
      expect(runEnd(records)).toMatchObject({ status: "interrupted", exit_code: 7 });
    },
    60_000,
  );
});

test("a typo in the command leaves no snapshot branch, only a failed run", async () => {
  const repo = makeRepo();
  write(repo, "train.py", "changed\n");
  const result = await runIn(repo, ["run", "--", "nosuchcommand-xyz"]);
  expect(result.exitCode).toBe(127);
  expect(git(repo, "for-each-ref", "refs/heads/run/")).toBe("");
  const records = onlyRun(join(repo, ".exprag"));
  expect(runEnd(records)).toMatchObject({ status: "failed", exit_code: 127 });
  expect(runStart(records).git).toMatchObject({ snapshot_ref: null, note: "no snapshot: the command could not start" });
  rmSync(join(repo, ".exprag"), { recursive: true });
});
