/** Driving Python scripts that use the exprag package from this repository, with the built binary. */
import { join } from "node:path";
import { gitEnv, gitIdentity } from "./git-harness";
import { cleanEnv, EXPRAG } from "./harness";

export const PYTHON_PACKAGE = join(import.meta.dir, "..", "..", "python");

/** The first Python 3 here that can import every module named: `python3` on PATH, then the system's. */
export function pythonWith(...modules: string[]): string | null {
  for (const candidate of ["python3", "/usr/bin/python3"]) {
    const found = Bun.which(candidate, { PATH: process.env.PATH });
    if (!found) continue;
    const probe = Bun.spawnSync([found, "-c", `import sys; assert sys.version_info >= (3, 8)\n${modules.map((m) => `import ${m}`).join("\n")}`], {
      stdout: "ignore",
      stderr: "ignore",
    });
    if (probe.exitCode === 0) return found;
  }
  return null;
}

export const python = pythonWith();

/** The environment a script gets: this repository's package on its path, this build as the binary. */
export function pythonEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { PYTHONPATH: PYTHON_PACKAGE, EXPRAG_BIN: EXPRAG, PYTHONDONTWRITEBYTECODE: "1", ...extra };
}

export interface PythonRun {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** What it has written to stdout so far. */
  output: { text: string };
  done: Promise<{ stdout: string; stderr: string; exitCode: number | null; signal: string | null }>;
}

/** Starts `argv` (a Python command, or exprag run around one) in `cwd` with the package and binary. */
export function startPython(argv: string[], cwd: string, env: Record<string, string | undefined> = {}): PythonRun {
  const proc = Bun.spawn(argv, { cwd, env: cleanEnv({ ...gitEnv, ...gitIdentity, ...pythonEnv(env) }), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output = { text: "" };
  const readStdout = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) output.text += decoder.decode(chunk, { stream: true });
  })();
  const done = (async () => {
    const [, stderr] = await Promise.all([readStdout, new Response(proc.stderr).text()]);
    await proc.exited;
    return { stdout: output.text, stderr, exitCode: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) };
  })();
  return { proc, output, done };
}

export const runPython = (argv: string[], cwd: string, env: Record<string, string | undefined> = {}) => startPython(argv, cwd, env).done;
