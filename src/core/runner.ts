/**
 * `exprag run`: starts the command, passes its output through, records its magic lines and
 * EXPRAG_FD lines, and ends the run file with `run_end` however the command ends.
 */
import { closeSync, openSync, statSync } from "node:fs";
import os from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { Subprocess } from "bun";
import { EXIT, UserError } from "./errors";
import { captureGit } from "./git";
import { LineSplitter, RecordIngest, type RecordCounts } from "./ingest";
import { writeFully } from "./io";
import { MagicLineScanner } from "./magic-lines";
import type { Metadata } from "./metadata";
import { createPipe, isForegroundOfTerminal, isSignalIgnored, isTerminal } from "./posix";
import { RunFile } from "./run-file";
import { detectAgent, hostInfo, processIdentity } from "./context";
import { ensureStore, runFilePath, runLogPath } from "./store";

export interface RunRequest {
  command: string[];
  name: string;
  metadata: Metadata;
  store: string;
  echo: boolean;
  keepLog: boolean;
  /** Commit a dirty work tree to `run/<run_id>`. */
  snapshot: boolean;
  snapshotMaxBytes: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** How to start this program again, for the signal-preserving exec (see `__exec`). */
  selfCommand: string[];
  warn: (message: string) => void;
}

export type RunStatus = "ok" | "failed" | "killed" | "interrupted";

export interface RunOutcome {
  runId: string;
  runFile: string;
  status: RunStatus;
  /** What exprag exits with: the command's code, or 128+N when signal N ended it. */
  exitCode: number;
  counts: RecordCounts;
}

/** The descriptor a child writes records to (EXPRAG_FD). */
export const RECORD_FD = 3;
const FORWARDED_SIGNALS = ["SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;
/** Signals the Bun runtime ignores for itself; a child must get them back at default. */
export const RUNTIME_IGNORED_SIGNALS = ["SIGPIPE", "SIGXFSZ"] as const;
/** After the command exits, output still arriving from a background child is waited for this long. */
const GRACE_IDLE_MS = 250;
const GRACE_MAX_MS = 2000;
/** A segment start that could become `EXPRAG::` is shown after this long without more output. */
const HELD_PREFIX_MS = 100;

export async function runCommand(request: RunRequest): Promise<RunOutcome> {
  const startedAt = performance.now();
  const runId = Bun.randomUUIDv7();
  ensureStore(request.store);
  const runFile = new RunFile(runFilePath(request.store, runId), request.store, runId, request.name, startedAt);
  const log = request.keepLog ? openLog(request.store, runId) : null;

  const parentRunId = request.env.EXPRAG_RUN_ID;
  const agent = detectAgent(request.env);
  runFile.add(
    "run_start",
    JSON.stringify({
      git: captureGit({
        cwd: request.cwd,
        env: request.env,
        runId,
        experimentName: request.name,
        store: request.store,
        snapshot: request.snapshot,
        maxUntrackedBytes: request.snapshotMaxBytes,
      }),
      host: hostInfo(),
      process: {
        pid: process.pid,
        ppid: process.ppid,
        cwd: request.cwd,
        argv: request.command,
        started: processIdentity(),
      },
      metadata: request.metadata,
      ...(parentRunId && { parent_run_id: parentRunId }),
      ...(agent && { agent }),
    }),
  );
  runFile.flush();

  const ingest = new RecordIngest(runFile, request.warn);
  const outcome = (status: RunStatus, exitCode: number): RunOutcome => ({
    runId,
    runFile: runFile.path,
    status,
    exitCode,
    counts: ingest.counts,
  });

  let child: Spawned;
  try {
    child = spawnChild(request, runId);
  } catch (error) {
    const failure = error instanceof UserError ? error : new UserError(String(error));
    finishRun(runFile, log, { status: "failed", exit_code: failure.exitCode, signal: null, error: failure.message, counts: ingest.counts });
    throw failure;
  }

  const output = new Output(log);
  const scanner = new MagicLineScanner(
    {
      passthrough: (data, start, end) => output.stdout(data, start, end),
      magicLine: (data, start, end) => ingest.lineBytes(data, start, end, "stdout"),
    },
    request.echo,
  );
  const fdLines = new LineSplitter((data, start, end) => ingest.lineBytes(data, start, end, "fd"));
  let heldTimer: Timer | undefined;
  let lastOutputAt = performance.now();
  const afterChunk = () => {
    lastOutputAt = performance.now();
    runFile.flush();
  };

  const readers: PipeReader[] = [];
  const stdoutReader = new PipeReader(child.stdout, (chunk) => {
    clearTimeout(heldTimer);
    runFile.tick();
    scanner.push(chunk);
    afterChunk();
    if (scanner.holdsPrefix) heldTimer = setTimeout(() => scanner.flushHeld(), HELD_PREFIX_MS);
  });
  readers.push(stdoutReader);
  output.onStdoutGone = () => stdoutReader.cancel();
  if (child.stderr) readers.push(new PipeReader(child.stderr, (chunk) => (output.stderr(chunk), afterChunk())));
  if (child.records) {
    readers.push(new PipeReader(child.records, (chunk) => (runFile.tick(), fdLines.push(chunk), afterChunk())));
  }

  const signals = forwardSignals(child.process);
  const exited = await child.process.exited;
  const exitedAt = performance.now();
  signals.remove();
  await drainWithGrace(readers, exitedAt, () => lastOutputAt);
  clearTimeout(heldTimer);
  runFile.tick();
  scanner.end();
  fdLines.end();

  const signal = child.process.signalCode ?? null;
  const signalNumber = signal ? (os.constants.signals[signal as NodeJS.Signals] ?? 0) : 0;
  const exitCode = signal ? 128 + signalNumber : exited;
  const status: RunStatus =
    signal === "SIGINT" || signals.interrupted ? "interrupted" : signal ? "killed" : exitCode === 0 ? "ok" : "failed";
  const usage = child.process.resourceUsage();
  finishRun(runFile, log, {
    status,
    exit_code: exitCode,
    signal,
    duration_ms: Math.round((exitedAt - child.startedAt) * 1000) / 1000,
    resources: usage && {
      max_rss_bytes: usage.maxRSS,
      cpu_user_ms: Number(usage.cpuTime.user) / 1000,
      cpu_system_ms: Number(usage.cpuTime.system) / 1000,
    },
    counts: ingest.counts,
  });
  const summary = ingest.summary();
  if (summary) request.warn(summary);
  return outcome(status, exitCode);
}

function openLog(store: string, runId: string): number {
  try {
    return openSync(runLogPath(store, runId), "ax");
  } catch (error) {
    throw new UserError(`cannot write the output log (${(error as NodeJS.ErrnoException).code})`, EXIT.internal, "use --no-log to run without one");
  }
}

function finishRun(runFile: RunFile, log: number | null, end: Record<string, unknown>): void {
  runFile.add("run_end", JSON.stringify(end));
  runFile.close();
  if (log !== null) closeSync(log);
}

interface Spawned {
  process: Subprocess;
  startedAt: number;
  stdout: Source;
  stderr: Source | null;
  records: Source | null;
}

/** A pipe's read end (a descriptor we own) or, off POSIX, Bun's own stream. */
type Source = number | ReadableStream<Uint8Array>;

function spawnChild(request: RunRequest, runId: string): Spawned {
  const { command, env, cwd } = request;
  const executable = resolveExecutable(command[0]!, env.PATH ?? "", cwd);
  const ignored = (["SIGINT", ...FORWARDED_SIGNALS] as const).filter((name) => isSignalIgnored(os.constants.signals[name]));
  // Bun starts children with every signal at default; a signal the user ignored (nohup) is
  // re-ignored by a short exec through ourselves.
  const viaExec = ignored.length > 0;
  const argv = viaExec ? [...request.selfCommand, "__exec", ignored.join(","), "--", executable, ...command.slice(1)] : [executable, ...command.slice(1)];

  const stdoutPipe = createPipe();
  const stderrPipe = request.keepLog ? createPipe() : null;
  const recordPipe = createPipe();
  const childEnv: Record<string, string | undefined> = {
    ...env,
    EXPRAG_RUN_ID: runId,
    EXPRAG_DIR: request.store,
    EXPRAG_FD: recordPipe ? String(RECORD_FD) : undefined,
    PYTHONUNBUFFERED: env.PYTHONUNBUFFERED ?? "1",
  };
  const ownWriteEnds = [stdoutPipe?.[1], stderrPipe?.[1], recordPipe?.[1]].filter((fd) => fd !== undefined);
  let child: Subprocess<"inherit", "pipe", "pipe">;
  try {
    child = Bun.spawn(argv, {
      cwd,
      env: childEnv,
      ...(!viaExec && { argv0: command[0] }),
      stdio: [
        "inherit",
        stdoutPipe ? stdoutPipe[1] : "pipe",
        stderrPipe ? stderrPipe[1] : request.keepLog ? "pipe" : "inherit",
        ...(recordPipe ? [recordPipe[1]] : []),
      ] as never,
    }) as Subprocess<"inherit", "pipe", "pipe">;
  } catch (error) {
    for (const fd of [...ownWriteEnds, stdoutPipe?.[0], stderrPipe?.[0], recordPipe?.[0]]) if (fd !== undefined) closeSync(fd);
    throw spawnError(command[0]!, error);
  }
  for (const fd of ownWriteEnds) closeSync(fd);
  return {
    process: child,
    startedAt: performance.now(),
    stdout: stdoutPipe ? stdoutPipe[0] : child.stdout,
    stderr: stderrPipe ? stderrPipe[0] : request.keepLog ? child.stderr : null,
    records: recordPipe ? recordPipe[0] : null,
  };
}

/** Finds the program the way execvp would, so a missing one is 127 and a non-executable one 126. */
export function resolveExecutable(name: string, path: string, cwd: string): string {
  if (name.includes("/")) {
    const full = isAbsolute(name) ? name : resolve(cwd, name);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      throw new UserError(`command not found: ${name}`, EXIT.notFound);
    }
    if (stat.isDirectory()) throw new UserError(`cannot run ${name}: it is a directory`, EXIT.notExecutable);
    return full;
  }
  const found = Bun.which(name, { PATH: path, cwd });
  if (!found) throw new UserError(`command not found: ${name}`, EXIT.notFound, "check the name, or give its path");
  return found;
}

function spawnError(name: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new UserError(`command not found: ${name}`, EXIT.notFound);
  if (code === "EACCES" || code === "ENOEXEC" || code === "EISDIR") {
    return new UserError(`cannot run ${name}: not executable (${code})`, EXIT.notExecutable, code === "ENOEXEC" ? "a script needs a #! line" : "chmod +x it, or run it with its interpreter");
  }
  return new UserError(`cannot start ${name}: ${(error as Error).message ?? error}`, EXIT.notExecutable);
}

/**
 * Forwards SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child, and SIGINT unless the
 * terminal already delivered it to the whole foreground process group (Ctrl-C). Signals the user
 * ignored stay ignored.
 */
function forwardSignals(child: Subprocess) {
  const installed: [string, () => void][] = [];
  const state = { interrupted: false, remove: () => installed.forEach(([name, handler]) => process.off(name, handler)) };
  const listen = (name: string, handler: () => void) => {
    if (isSignalIgnored(os.constants.signals[name as NodeJS.Signals])) return;
    process.on(name, handler);
    installed.push([name, handler]);
  };
  for (const name of FORWARDED_SIGNALS) listen(name, () => child.kill(name));
  listen("SIGINT", () => {
    state.interrupted = true;
    if (!terminalDeliveredInterrupt()) child.kill("SIGINT");
  });
  return state;
}

function terminalDeliveredInterrupt(): boolean {
  return [0, 1, 2].some((fd) => isTerminal(fd) && isForegroundOfTerminal(fd));
}

/** Reads a pipe until its end, or until cancelled; owns and closes its descriptor. */
class PipeReader {
  readonly done: Promise<void>;
  private readonly reader;

  constructor(source: Source, onChunk: (chunk: Uint8Array) => void) {
    const fd = typeof source === "number" ? source : null;
    const reader = (fd === null ? (source as ReadableStream<Uint8Array>) : Bun.file(fd).stream()).getReader();
    this.reader = reader;
    this.done = (async () => {
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) onChunk(r.value);
      } finally {
        if (fd !== null) closeSync(fd);
      }
    })();
  }

  cancel(): void {
    this.reader.cancel().catch(() => {});
  }
}

/** Waits for every pipe to end; once the command exited, stops waiting for an idle background writer. */
async function drainWithGrace(readers: PipeReader[], exitedAt: number, lastOutputAt: () => number): Promise<void> {
  const all = Promise.all(readers.map((r) => r.done));
  let timer: Timer | undefined;
  const givenUp = new Promise<void>((resolve) => {
    const check = () => {
      const now = performance.now();
      if (now - Math.max(lastOutputAt(), exitedAt) > GRACE_IDLE_MS || now - exitedAt > GRACE_MAX_MS) {
        for (const reader of readers) reader.cancel();
        resolve();
      } else {
        timer = setTimeout(check, 50);
      }
    };
    timer = setTimeout(check, 50);
  });
  await Promise.race([all, givenUp]);
  clearTimeout(timer);
  await all;
}

/** The terminal side: stdout and stderr of exprag, plus the output log. */
class Output {
  private stdoutGone = false;
  onStdoutGone = () => {};

  constructor(private readonly log: number | null) {}

  stdout(data: Uint8Array, start: number, end: number): void {
    if (!this.stdoutGone) {
      try {
        writeFully(1, data, start, end);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EPIPE") throw error;
        // Whoever read our stdout is gone: stop reading the child's, so its next write gets SIGPIPE.
        this.stdoutGone = true;
        this.onStdoutGone();
      }
    }
    if (this.log !== null) writeFully(this.log, data, start, end);
  }

  stderr(bytes: Uint8Array): void {
    try {
      writeFully(2, bytes);
    } catch {
      // stderr is gone; the log still gets it
    }
    if (this.log !== null) writeFully(this.log, bytes);
  }
}
