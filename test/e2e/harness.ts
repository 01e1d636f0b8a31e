/** Drives the compiled binary the way users do: in temporary directories, through real pipes. */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

export const EXPRAG = join(import.meta.dir, "..", "..", "dist", "exprag");

/**
 * The tests start python3 hundreds of times. When python3 on PATH is a script (a version manager's
 * shim: pyenv's runs a dozen shell processes per call, seconds each on a loaded machine), the
 * folder of the interpreter it picks goes first on PATH, as the shim itself would put it, for
 * this process and every command the tests start. Once per process: then python3 is found there.
 */
function skipPythonShim(): void {
  const found = Bun.which("python3", { PATH: process.env.PATH });
  if (!found || !startsWithShebang(found)) return;
  const asked = Bun.spawnSync([found, "-c", "import sys; print(sys.executable)"], { stdout: "pipe", stderr: "ignore" });
  const interpreter = asked.stdout.toString().trim();
  if (asked.exitCode !== 0 || !existsSync(interpreter) || dirname(interpreter) === dirname(found)) return;
  process.env.PATH = `${dirname(interpreter)}${delimiter}${process.env.PATH}`;
}
skipPythonShim();

function startsWithShebang(file: string): boolean {
  const head = Buffer.alloc(2);
  try {
    const fd = openSync(file, "r");
    try {
      readSync(fd, head, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  return head.toString() === "#!";
}

/** Named conditions for `test.skipIf`, so anyone can run the suite: as an ordinary user, on Linux or macOS. */
export const isLinux = process.platform === "linux";
export const isRoot = process.getuid?.() === 0;
/** Whether `argv` runs and succeeds here (a compiler shim without a toolchain does not). */
export function works(...argv: string[]): boolean {
  if (!Bun.which(argv[0]!)) return false;
  try {
    return Bun.spawnSync(argv, { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
  } catch {
    return false;
  }
}
/** util-linux `script`, which gives a command a terminal (its options differ on macOS). */
export const hasScript = isLinux && works("script", "-qec", "true", "/dev/null");

/** A fixture made by the first test that asks for it, then the same for each: for tests that only read it. */
export function madeOnce<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

export { tempDir } from "../temp-dir";

/** The environment of a user's shell, without anything that would make exprag think it runs inside a run or a repo. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("EXPRAG_") || key.startsWith("GIT_") || key === "PYTHONUNBUFFERED") continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface Result {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
  text: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  /** Kill it (SIGKILL, exit 137) if it has not ended by then: for tests of what must not hang. */
  timeoutMs?: number;
}

export function exprag(args: string[], { cwd, env, stdin, timeoutMs }: RunOptions): Promise<Result> {
  return collect([EXPRAG, ...args], cwd, cleanEnv(env), stdin, timeoutMs);
}

/** Runs a shell line (for pipelines and signals), with exprag on PATH as `exprag`. */
export function shell(script: string, { cwd, env }: RunOptions): Promise<Result> {
  return collect(["sh", "-c", script], cwd, cleanEnv({ ...env, PATH: `${join(EXPRAG, "..")}:${env?.PATH ?? process.env.PATH}` }));
}

async function collect(argv: string[], cwd: string, env: Record<string, string>, stdin?: string | Buffer, timeoutMs?: number): Promise<Result> {
  await using proc = Bun.spawn(argv, {
    cwd,
    env,
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin),
    stdout: "pipe",
    stderr: "pipe",
    ...(timeoutMs !== undefined && { timeout: timeoutMs, killSignal: "SIGKILL" }),
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).arrayBuffer(), new Response(proc.stderr).text(), proc.exited]);
  const bytes = Buffer.from(stdout);
  return { stdout: bytes, text: bytes.toString(), stderr, exitCode };
}

export interface StoredRecord {
  schema_version: number;
  exprag_version: string;
  run_id: string;
  experiment_name: string;
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: a record value is whatever the test wrote
  value: any;
  created_at: string;
  elapsed_ms: number;
  note?: string;
}

export function runFiles(store: string): string[] {
  try {
    return readdirSync(join(store, "runs"))
      .filter((f) => f.endsWith(".jsonl") && !f.endsWith(".annotations.jsonl"))
      .sort()
      .map((f) => join(store, "runs", f));
  } catch {
    return [];
  }
}

export function readRecords(file: string): StoredRecord[] {
  return readRecordLines(readFileSync(file, "utf8"));
}

const readRecordLines = (text: string): StoredRecord[] =>
  text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/**
 * The records of a run file that may still be written: its whole lines only (a reader can catch
 * the last record half written); none while the file is not there yet.
 */
export function writtenRecords(file: string): StoredRecord[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  return readRecordLines(text.slice(0, text.lastIndexOf("\n") + 1));
}

/** The records of the only run in `store`. */
export function onlyRun(store: string): StoredRecord[] {
  const files = runFiles(store);
  if (files.length !== 1) throw new Error(`expected one run in ${store}, found ${files.length}`);
  return readRecords(files[0]!);
}

export const tracked = (records: StoredRecord[]) => records.filter((r) => r.kind === "track").map((r) => r.value);
export const runEnd = (records: StoredRecord[]) => records.find((r) => r.kind === "run_end")!.value;
export const runStart = (records: StoredRecord[]) => records.find((r) => r.kind === "run_start")!.value;

/** Polls `probe` until it holds; fails naming what was awaited. Never a fixed sleep. */
export async function waitFor(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/**
 * A shell loop that waits until `file` exists. It also ends once the file's folder is gone (the
 * test's temporary folders are removed after its tests), so a test that failed before creating
 * the file leaves no process behind.
 */
export function shellWaitFor(file: string): string {
  return `while [ ! -e "${file}" ] && [ -d "${dirname(file)}" ]; do sleep 0.02; done`;
}

/** Waits until `size()` has stayed the same for `quietMs` (a writer that has stalled). */
export async function waitUntilSteady(size: () => number, what: string, quietMs = 300): Promise<void> {
  let last = -1;
  let since = performance.now();
  await waitFor(() => {
    const now = size();
    if (now !== last || now === 0) {
      last = now;
      since = performance.now();
      return false;
    }
    return performance.now() - since >= quietMs;
  }, what);
}

/** One record line as exprag writes it, for run files built by a test. */
export function recordLine(runId: string, kind: string, value: unknown, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ schema_version: 1, exprag_version: "0.1.0", run_id: runId, experiment_name: "hand-made", kind, value, created_at: "2026-01-01T00:00:00.000Z", elapsed_ms: 0, ...extra })}\n`;
}

/** A hand-made run that ended ok, with one track of metrics.acc 0.5, written to `<runs>/<runId>.jsonl`. */
export function writeOkRun(runs: string, runId: string): void {
  writeFileSync(
    join(runs, `${runId}.jsonl`),
    recordLine(runId, "run_start", { metadata: {} }) +
      recordLine(runId, "track", { step: 0, metrics: { acc: 0.5 } }) +
      recordLine(runId, "run_end", { status: "ok", exit_code: 0, counts: { track: 1 } }),
  );
}
