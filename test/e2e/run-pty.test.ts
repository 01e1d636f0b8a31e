/**
 * `exprag run --pty`: the command keeps a terminal, so it looks as it does without exprag, while
 * its magic lines are still recorded and hidden and its log keeps what was shown.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, EXPRAG, onlyRun, runEnd, runFiles, tempDir, tracked, works } from "./harness";
import { atTerminal, hasPty } from "./terminal";

const CHILD = `import json, os, sys, time
print("tty:", sys.stdin.isatty(), sys.stdout.isatty(), sys.stderr.isatty())
print("size:", os.get_terminal_size().columns, os.get_terminal_size().lines)
print("\\x1b[31mred\\x1b[0m")
for i in range(3):
    sys.stdout.write(f"\\rprogress {i + 1}/3"); sys.stdout.flush()
print()
print("EXPRAG::" + json.dumps({"acc": 0.5}))
print("to stderr", file=sys.stderr)
print("ready", flush=True)
print("got:", sys.stdin.readline().strip())
`;

describe.skipIf(!hasPty || !works("python3", "--version"))("exprag run --pty", () => {
  test("the command sees a terminal of the same size, its colour and progress pass through, magic lines are recorded and hidden, stdin reaches it", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "child.py"), CHILD);
    const result = await atTerminal([EXPRAG, "run", "--pty", "--", "python3", "child.py"], {
      cwd,
      columns: 101,
      rows: 33,
      keys: [{ after: "ready", text: "hello there\r" }],
    });
    expect(result.exitCode).toBe(0);
    const out = result.output;
    expect(out).toContain("tty: True True True");
    expect(out).toContain("size: 101 33");
    expect(out).toContain("\x1b[31mred\x1b[0m");
    expect(out).toContain("\rprogress 2/3\rprogress 3/3");
    expect(out).toContain("to stderr");
    expect(out).toContain("got: hello there");
    expect(out).not.toContain("EXPRAG::");
    const records = onlyRun(join(cwd, ".exprag"));
    expect(tracked(records)).toEqual([{ acc: 0.5 }]);
    const log = readFileSync(runFiles(join(cwd, ".exprag"))[0]!.replace(/\.jsonl$/, ".log"), "utf8");
    expect(log).toContain("tty: True True True\r\n");
    expect(log).toContain("to stderr\r\n");
  });

  test("piped input reaches the command too, and ends with an end-of-file", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "child.py"), "import sys\nprint('lines:', len(sys.stdin.readlines()))\n");
    await using proc = Bun.spawn([EXPRAG, "run", "--pty", "--", "python3", "child.py"], {
      cwd,
      env: cleanEnv(),
      stdin: Buffer.from("a\nb\n"),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(stdout).toContain("lines: 2");
    // A last line without its newline ends the input too (one ^D would only hand that line over).
    await using open = Bun.spawn([EXPRAG, "run", "--pty", "--", "python3", "child.py"], {
      cwd,
      env: cleanEnv(),
      stdin: Buffer.from("a\nb"),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [openOut, openCode] = await Promise.all([new Response(open.stdout).text(), open.exited]);
    expect(openCode).toBe(0);
    expect(openOut).toContain("lines: 2");
  });

  test("Ctrl-C is a key the command's terminal turns into SIGINT: the run is interrupted", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "child.py"), "import time\nprint('ready', flush=True)\ntime.sleep(30)\n");
    const result = await atTerminal([EXPRAG, "run", "--pty", "--", "python3", "child.py"], { cwd, keys: [{ after: "ready", text: "\x03" }] });
    expect(result.exitCode).toBe(130);
    expect(runEnd(onlyRun(join(cwd, ".exprag")))).toMatchObject({ status: "interrupted", signal: "SIGINT", exit_code: 130 });
  }, 60_000);

  test("a window-size change reaches the command", async () => {
    const cwd = tempDir();
    const child =
      "import os, time\nstart = os.get_terminal_size()\nprint('ready', flush=True)\nwhile os.get_terminal_size() == start: time.sleep(0.02)\nsize = os.get_terminal_size()\nprint('resized', size.columns, size.lines, flush=True)\n";
    writeFileSync(join(cwd, "child.py"), child);
    const driver = [
      "import fcntl, os, pty, struct, sys, termios, time",
      "pid, fd = pty.fork()",
      `if pid == 0: os.execv(${JSON.stringify(EXPRAG)}, [${JSON.stringify(EXPRAG)}, "run", "--pty", "--", "python3", "child.py"])`,
      "out = b''",
      "while b'ready' not in out:",
      "    try: out += os.read(fd, 1024)",
      "    except OSError: time.sleep(0.02)",
      "fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))",
      "while True:",
      "    try: chunk = os.read(fd, 1024)",
      "    except OSError: break",
      "    if not chunk: break",
      "    out += chunk",
      "os.waitpid(pid, 0)",
      "sys.stdout.write(out.decode())",
    ].join("\n");
    await using proc = Bun.spawn(["python3", "-c", driver], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
    const [stdout] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(stdout).toContain("resized 120 40");
  }, 60_000);
});
