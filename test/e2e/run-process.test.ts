import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  cleanEnv,
  EXPRAG,
  exprag,
  isLinux,
  onlyRun,
  readRecords,
  runEnd,
  runFiles,
  runStart,
  shell,
  shellWaitFor,
  tempDir,
  tracked,
  waitFor,
  waitUntilSteady,
} from "./harness";

const sh = (script: string) => ["sh", "-c", script];

/** Starts exprag in the background and resolves once its child printed `ready`. */
async function startUntilReady(args: string[], cwd: string) {
  const proc = Bun.spawn([EXPRAG, ...args], { cwd, env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  let seen = "";
  while (!seen.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`exited before ready: ${seen}`);
    seen += Buffer.from(value).toString();
  }
  const rest = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) seen += Buffer.from(r.value).toString();
    return seen;
  })();
  return { proc, output: rest };
}

describe("exprag run: exit codes", () => {
  test.each([
    [0, "ok"],
    [3, "failed"],
  ])("exits with the child's code %i (status %s)", async (code, status) => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh(`exit ${code}`)], { cwd });
    expect(result.exitCode).toBe(code);
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status, exit_code: code, signal: null });
  });

  test("exits 128+N when signal N kills the child", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh("kill -TERM $$")], { cwd });
    expect(result.exitCode).toBe(143);
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "killed", exit_code: 143, signal: "SIGTERM" });
  });

  test("exits 127 when the command is not found, recording the attempt", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", "no-such-command-xyz", "arg"], { cwd });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain("command not found: no-such-command-xyz");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "failed", exit_code: 127 });
    expect((await exprag(["run", "--", "./missing.sh"], { cwd })).exitCode).toBe(127);
  });

  test("exits 126 when the command is not executable", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "script.sh"), "echo hi\n");
    chmodSync(join(cwd, "script.sh"), 0o644);
    const result = await exprag(["run", "--", "./script.sh"], { cwd });
    expect(result.exitCode).toBe(126);
    expect(result.stderr).toContain("cannot run ./script.sh");
    mkdirSync(join(cwd, "folder"));
    expect((await exprag(["run", "--", "./folder"], { cwd })).exitCode).toBe(126);
  });

  test("exits 125 and never starts the child when the store cannot be written", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "blocker"), "a file where the store should be");
    const result = await exprag(["run", "--dir", "blocker/store", "--", ...sh("touch started")], { cwd });
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toContain("cannot write the run store");
    expect(result.stderr).toContain("--dir");
    expect(existsSync(join(cwd, "started"))).toBe(false);
  });

  test.each([
    [["run"], "no command to run"],
    [["run", "--", ""], "no command to run: its program's name is empty"],
    [["run", "--name", " ", "--", "true"], "--name must not be empty"],
    [["run", "--name"], "--name needs a value"],
    [["run", "--frobnicate", "--", "true"], "unknown option --frobnicate"],
    [["run", "--meta", "oops", "--", "touch", "started"], '--meta expects KEY=VALUE, got "oops"'],
    [["run", "--meta-file", "missing.json", "--", "touch", "started"], "cannot read --meta-file missing.json"],
    [["nonsense"], "unknown command 'nonsense'"],
  ])("usage error %j exits 2 with one line", async (args, message) => {
    const cwd = tempDir();
    const result = await exprag(args, { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.text).toBe("");
    expect(existsSync(join(cwd, "started"))).toBe(false);
    expect(runFiles(join(cwd, ".exprag"))).toEqual([]);
  });

  test("everything after the command is the command's, --help included", async () => {
    const cwd = tempDir();
    const echoArgs = ["sh", "-c", 'echo "$*"', "sh"];
    expect((await exprag(["run", "--", ...echoArgs, "--help", "-n", "x"], { cwd })).text).toBe("--help -n x\n");
    expect((await exprag(["run", ...echoArgs, "--help"], { cwd })).text).toBe("--help\n");
    expect((await exprag(["run", "--name", "n", ...echoArgs, "--name"], { cwd })).text).toBe("--name\n");
    const help = await exprag(["run", "--help"], { cwd });
    expect(help.exitCode).toBe(0);
    expect(help.text).toContain("USAGE exprag run");
  });
});

describe("exprag run: pipes, stdin and signals", () => {
  test.each([
    ["a partial line", "Loading... "],
    ["the start of what could be EXPRAG::", "EXP"],
  ])(
    "shows %s while the child waits",
    async (_, prompt) => {
      const cwd = tempDir();
      const proc = Bun.spawn([EXPRAG, "run", "--", "sh", "-c", `printf '${prompt}'; sleep 30`], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "ignore" });
      const reader = proc.stdout.getReader();
      let seen = "";
      while (seen !== prompt) seen += Buffer.from((await reader.read()).value!).toString();
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(143);
    },
    60_000,
  );

  test("passes stdin through", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", "cat"], { cwd, stdin: "line one\nEXPRAG::5\n" });
    expect(result.text).toBe("line one\n");
    expect(tracked(onlyRun(join(cwd, ".exprag")))).toEqual([5]);
  });

  test("the child's stdout is a real pipe: /dev/stdout can be opened", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh("echo via-dev-stdout > /dev/stdout; echo 'EXPRAG::1' > /dev/stdout")], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe("via-dev-stdout\n");
    expect(tracked(onlyRun(join(cwd, ".exprag")))).toEqual([1]);
  });

  test("ends the child promptly when exprag's stdout goes away (yes | head -1)", async () => {
    const cwd = tempDir();
    const result = await shell("exprag run -- yes | head -1", { cwd });
    expect(result.text).toBe("y\n");
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "killed", signal: "SIGPIPE", exit_code: 141 });
  }, 60_000);

  test.skipIf(!isLinux)("a command a real-time signal ended is killed, the signal named by its number", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "-q", "--", "python3", "-c", "import os, signal; os.kill(os.getpid(), signal.SIGRTMIN)"], { cwd });
    const number = Number(Bun.spawnSync(["python3", "-c", "import signal; print(int(signal.SIGRTMIN))"]).stdout.toString());
    expect(result.exitCode).toBe(128 + number);
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "killed", signal: `SIG${number}`, exit_code: 128 + number });
  });

  test.skipIf(!existsSync("/dev/full"))("when stdout cannot be written (disk full, /dev/full), the run goes on and says so once", async () => {
    const cwd = tempDir();
    const result = await shell("exprag run -- sh -c 'echo hi; echo EXPRAG::1; echo bye' > /dev/full", { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("could not write the command's output to stdout (ENOSPC); it is in the log");
    const records = onlyRun(join(cwd, ".exprag"));
    expect(tracked(records)).toEqual([1]);
    expect(runEnd(records).status).toBe("ok");
    expect(readFileSync(runFiles(join(cwd, ".exprag"))[0]!.replace(/\.jsonl$/, ".log"), "utf8")).toBe("hi\nbye\n");
  });

  test("when the run file cannot grow (file size limit), output keeps flowing, whole records stay, the loss is counted, run_end is written", async () => {
    const cwd = tempDir();
    const lines = 'i=0; while [ $i -lt 300 ]; do echo EXPRAG::{\\"i\\":$i}; i=$((i+1)); done; echo done';
    const result = await shell(`ulimit -f 4; exec exprag run --no-log -- sh -c '${lines}'`, { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe("done\n");
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    // Cut back to whole records: every line parses, and the kept values are the first ones.
    const records = readRecords(file);
    const kept = tracked(records).map((v) => v.i);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual([...Array(kept.length).keys()]);
    expect(result.stderr).toContain(`${300 - kept.length} records could not be written to the run file (EFBIG) and are lost`);
    // Room for run_end was made by giving up the last records: the run reads ok, every loss counted.
    expect(result.stderr).not.toContain("could not be finished");
    expect(runEnd(records)).toMatchObject({
      status: "ok",
      exit_code: 0,
      counts: { track: kept.length },
      lost: { records: 300 - kept.length, reason: "EFBIG" },
    });
    expect(records.at(-1)!.kind).toBe("run_end");
    expect(result.stderr).toContain(`ok (exit 0): ${kept.length} track records in`);
    expect(statSync(file).size).toBeLessThanOrEqual(2048);
  });

  test("finishes soon after the child exits even when a background grandchild keeps the pipe", async () => {
    const cwd = tempDir();
    // The grandchild holds exprag's pipe until the test lets it go, which it does only once exprag has ended.
    const grandchild = `echo $$ > grandchild.pid; ${shellWaitFor(join(cwd, "go"))}`;
    const result = await exprag(["run", "--", ...sh(`sh -c '${grandchild}' & echo 'EXPRAG::1'; echo done`)], { cwd });
    const pidFile = join(cwd, "grandchild.pid");
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"), "the grandchild to start");
    expect(() => process.kill(Number(readFileSync(pidFile, "utf8")), 0)).not.toThrow();
    writeFileSync(join(cwd, "go"), "");
    expect(result.text).toBe("done\n");
    expect(runEnd(onlyRun(join(cwd, ".exprag"))).status).toBe("ok");
  }, 60_000);

  test("forwards SIGTERM to the child and still writes run_end", async () => {
    const cwd = tempDir();
    const { proc, output } = await startUntilReady(
      ["run", "--", ...sh('trap \'echo "EXPRAG::{\\"stopped\\": true}"; exit 7\' TERM; echo ready; while :; do sleep 0.05; done')],
      cwd,
    );
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(7);
    await output;
    const records = onlyRun(join(cwd, ".exprag"));
    expect(tracked(records)).toEqual([{ stopped: true }]);
    expect(runEnd(records)).toMatchObject({ status: "failed", exit_code: 7 });
  });

  /**
   * Starts `exprag run <command> > >(sleep 30)<redirect>` under bash: exprag's stdout is a pipe to
   * a process that never reads. Once the pipe is full, sends exprag SIGTERM; returns how it ended.
   */
  async function terminateWhileStdoutIsFull(cwd: string, child: string, redirect = ""): Promise<string> {
    const script = `exprag run -- sh -c "${child}" > >(sleep 30)${redirect} & echo $!; wait $!; echo "exit=$?"`;
    await using proc = Bun.spawn(["bash", "-c", script], {
      cwd,
      env: cleanEnv({ PATH: `${join(EXPRAG, "..")}:${process.env.PATH}` }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    let seen = "";
    while (!seen.includes("\n")) seen += Buffer.from((await reader.read()).value!).toString();
    // The log takes what exprag reads from the child; it stops growing once exprag waits for room.
    await waitUntilSteady(() => logSize(cwd), "exprag's stdout pipe to fill");
    process.kill(Number(seen.trim()), "SIGTERM");
    while (!seen.includes("exit=")) seen += Buffer.from((await reader.read()).value!).toString();
    return seen.slice(seen.indexOf("exit="));
  }

  test("forwards SIGTERM even while its stdout is full because nobody reads it", async () => {
    const cwd = tempDir();
    expect(await terminateWhileStdoutIsFull(cwd, "exec yes filling-the-pipe")).toBe("exit=143\n");
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "killed", exit_code: 143, signal: "SIGTERM" });
  }, 60_000);

  test("forwards SIGTERM while stdout and stderr share one full pipe (2>&1)", async () => {
    const cwd = tempDir();
    expect(await terminateWhileStdoutIsFull(cwd, "exec yes errline >&2", " 2>&1")).toBe("exit=143\n");
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "killed", exit_code: 143, signal: "SIGTERM" });
  }, 60_000);

  test("ends when its reader goes away while the pipe to it is full", async () => {
    const cwd = tempDir();
    const result = await shell("bash -c 'exprag run -- head -c 50000000 /dev/zero | (head -c 10 > /dev/null; sleep 0.5); echo exit=${PIPESTATUS[0]}'", { cwd });
    expect(result.text).toBe("exit=141\n");
  }, 60_000);

  test.each(["SIGHUP", "SIGUSR1", "SIGUSR2", "SIGQUIT"] as const)("forwards %s", async (signal) => {
    const cwd = tempDir();
    const name = signal.slice(3);
    const { proc, output } = await startUntilReady(
      ["run", "--", ...sh(`trap 'echo got-${name}; exit 0' ${name}; echo ready; while :; do sleep 0.05; done`)],
      cwd,
    );
    proc.kill(signal);
    expect(await proc.exited).toBe(0);
    expect(await output).toContain(`got-${name}`);
  });

  test("forwards a SIGINT sent to exprag alone, and calls the run interrupted", async () => {
    const cwd = tempDir();
    const { proc, output } = await startUntilReady(["run", "--", ...sh("trap 'echo got-INT; exit 1' INT; echo ready; while :; do sleep 0.05; done")], cwd);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(1);
    expect(await output).toContain("got-INT");
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "interrupted", exit_code: 1 });
  });

  test.each([
    ["Ctrl-C", "SIGINT", "\\x03", ""],
    ["Ctrl-C, with stdin, stdout and stderr away from the terminal", "SIGINT", "\\x03", " </dev/null >out.txt 2>err.txt"],
    ["Ctrl-\\", "SIGQUIT", "\\x1c", ""],
  ])(
    "%s at a terminal reaches the child once",
    async (_, signal, key, redirect) => {
      const cwd = tempDir();
      // The child counts the signal for a while after the first one and reports the count.
      const child = [
        "import signal, sys, time",
        "count = 0",
        "def on_signal(*_):",
        "    global count; count += 1",
        `signal.signal(signal.${signal}, on_signal)`,
        "tty = open('/dev/tty', 'w')  # kept open: the terminal stays attached",
        "tty.write('ready\\n'); tty.flush()",
        "while count == 0: time.sleep(0.01)",
        "time.sleep(0.5)",
        "print(f'EXPRAG::{{\"received\": {count}}}', flush=True)",
      ].join("\n");
      writeFileSync(join(cwd, "child.py"), child);
      const command = `exec ${EXPRAG} run -- python3 child.py${redirect}`;
      const driver = [
        "import os, pty",
        "pid, fd = pty.fork()",
        `if pid == 0: os.execv("/bin/sh", ["sh", "-c", ${JSON.stringify(command)}])`,
        "import time",
        "out = b''",
        "while b'ready' not in out:",
        "    try: out += os.read(fd, 1024)",
        "    except OSError: time.sleep(0.02)  # EIO until something opens the terminal",
        `os.write(fd, b'${key}')`,
        "while True:",
        "    try: chunk = os.read(fd, 1024)",
        "    except OSError: break",
        "    if not chunk: break",
        "_, status = os.waitpid(pid, 0)",
        "print(os.waitstatus_to_exitcode(status))",
      ].join("\n");
      await using proc = Bun.spawn(["python3", "-c", driver], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
      expect(stderr).toBe("");
      expect(stdout.trim()).toBe("0");
      expect(tracked(onlyRun(join(cwd, ".exprag")))).toEqual([{ received: 1 }]);
    },
    60_000,
  );

  test("a signal while exprag reads the repository ends the run before the command starts", async () => {
    const cwd = tempDir();
    Bun.spawnSync(["git", "init", "-q"], { cwd });
    const bin = tempDir();
    // The run's search for its repository (rev-parse) says it started, then waits until the test has sent its signal.
    writeFileSync(
      join(bin, "git"),
      `#!/bin/sh\ncase "$*" in *rev-parse*) if [ ! -e "${bin}/called" ]; then : > "${bin}/called"; ${shellWaitFor(join(bin, "go"))}; fi;; esac\nexec ${Bun.which("git")} "$@"\n`,
    );
    chmodSync(join(bin, "git"), 0o755);
    const proc = Bun.spawn([EXPRAG, "run", "--", "touch", "started"], { cwd, env: cleanEnv({ PATH: `${bin}:${process.env.PATH}` }), stderr: "pipe" });
    await waitFor(() => existsSync(join(bin, "called")), "exprag to start reading git");
    proc.kill("SIGTERM");
    writeFileSync(join(bin, "go"), "");
    expect(await proc.exited).toBe(143);
    expect(existsSync(join(cwd, "started"))).toBe(false);
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "killed", exit_code: 143, signal: "SIGTERM" });
  }, 60_000);

  test.skipIf(!isLinux)("signals the user ignored (nohup) stay ignored in the child; SIGPIPE is back to default (reads /proc)", async () => {
    const cwd = tempDir();
    const result = await shell(`trap '' HUP; exec exprag run -- sh -c 'grep SigIgn /proc/self/status'`, { cwd });
    const ignored = BigInt(`0x${result.text.trim().split(/\s+/)[1]}`);
    const bit = (signo: number) => (ignored >> BigInt(signo - 1)) & 1n;
    expect(bit(1)).toBe(1n); // SIGHUP
    expect(bit(13)).toBe(0n); // SIGPIPE
    expect(bit(15)).toBe(0n); // SIGTERM
    expect(runStart(onlyRun(join(cwd, ".exprag"))).process.argv).toEqual(["sh", "-c", "grep SigIgn /proc/self/status"]);

    const plain = await shell(`exprag run -- sh -c 'grep SigIgn /proc/self/status'`, { cwd: tempDir() });
    expect(plain.text.trim().split(/\s+/)[1]).toBe("0000000000000000");
  });

  test("under nohup, a script without #! or without the executable bit still fails with 126", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "noshebang"), "echo should-not-run\n");
    chmodSync(join(cwd, "noshebang"), 0o755);
    writeFileSync(join(cwd, "plain.sh"), "#!/bin/sh\necho should-not-run\n");
    for (const script of ["./noshebang", "./plain.sh"]) {
      const result = await shell(`trap '' HUP; exec exprag run -- ${script}`, { cwd });
      expect(result.exitCode).toBe(126);
      expect(result.text).toBe("");
      expect(result.stderr).toContain(`cannot run ${script}`);
    }
  });
});

function logSize(cwd: string): number {
  const log = runFiles(join(cwd, ".exprag"))[0]?.replace(/\.jsonl$/, ".log");
  return log && existsSync(log) ? statSync(log).size : 0;
}
