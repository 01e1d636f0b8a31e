/**
 * Runs a command at a terminal of a given size, the way a person at a shell would: a
 * pseudo-terminal made by Python's pty module (on Linux and macOS alike), so stdin, stdout and
 * stderr are all the terminal. Output comes back with the terminal's CRLF turned back into LF.
 */
import { cleanEnv, works } from "./harness";

export const hasPty = works("python3", "-c", "import pty, termios, fcntl");

const DRIVER = `
import fcntl, json, os, pty, struct, sys, termios
argv, cwd, cols, rows, keys = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.chdir(cwd)
    os.execvp(argv[0], argv)
out = bytearray()
# Each key waits until the output so far holds its cue.
pending = [(cue.encode(), text.encode()) for cue, text in keys]
while True:
    if pending and pending[0][0] in out:
        cue, text = pending.pop(0)
        os.write(fd, text)
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(out))
sys.stderr.write(str(os.waitstatus_to_exitcode(status)))
`;

export interface TerminalResult {
  output: string;
  exitCode: number;
}

/** Text to type once the output so far shows `after` (a prompt, a line the command printed when ready). */
export interface Key {
  after: string;
  text: string;
}

export async function atTerminal(
  argv: string[],
  {
    cwd,
    env = {},
    columns = 100,
    rows = 30,
    keys = [],
  }: { cwd: string; env?: Record<string, string | undefined>; columns?: number; rows?: number; keys?: Key[] },
): Promise<TerminalResult> {
  const cued = keys.map((key) => [key.after, key.text]);
  await using proc = Bun.spawn(["python3", "-c", DRIVER, JSON.stringify([argv, cwd, columns, rows, cued])], {
    env: cleanEnv({ TERM: "xterm-256color", ...env }),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { output: stdout.replace(/\r\n/g, "\n"), exitCode: Number(stderr.trim().split("\n").at(-1)) };
}
