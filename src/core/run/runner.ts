/**
 * `exprag run`: starts the command, passes its output through, records its magic lines and
 * EXPRAG_FD lines, and ends the run file with `run_end` however the command ends.
 */
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, statSync, writeSync } from "node:fs";
import os from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { Subprocess } from "bun";
import { EXIT, UserError } from "../errors";
import { captureGit } from "../git/capture";
import { LineSplitter, RecordIngest, type RecordCounts } from "./ingest";
import { writeFully } from "../os/io";
import { MagicLineScanner } from "./magic-lines";
import type { Metadata } from "./metadata";
import { createPipe, enlargePipe, isForegroundOfTerminal, isSignalIgnored, pipeRoom } from "../os/posix";
import { RunFile } from "../record/writer";
import { detectAgent, hostInfo, processIdentity } from "./context";
import { ensureStore, runFilePath, runLogPath } from "../store";

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
  // From the first moment, a signal either reaches the child or ends the run properly.
  const signals = new SignalRelay();
  try {
    return await recordRun(request, signals);
  } finally {
    signals.remove();
  }
}

async function recordRun(request: RunRequest, signals: SignalRelay): Promise<RunOutcome> {
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

  // Reading git runs synchronously; one turn of the event loop lets a signal sent meanwhile land.
  await new Promise((resolve) => setImmediate(resolve));
  if (signals.received) {
    // Stopped while recording where the run came from: the command never starts.
    const signal = signals.received;
    const exitCode = 128 + os.constants.signals[signal];
    const status = signal === "SIGINT" ? "interrupted" : "killed";
    finishRun(runFile, log, { status, exit_code: exitCode, signal, error: `${signal} arrived before the command started`, counts: ingest.counts });
    return outcome(status, exitCode);
  }

  let child: Spawned;
  try {
    child = spawnChild(request, runId, signals.ignored);
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
      tooLong: (start, bytes) => ingest.tooLong(start, bytes, "stdout"),
    },
    request.echo,
  );
  const fdLines = new LineSplitter(
    (data, start, end) => ingest.lineBytes(data, start, end, "fd"),
    (start, bytes) => ingest.tooLong(start, bytes, "fd"),
  );
  let heldTimer: Timer | undefined;
  let lastOutputAt = performance.now();
  const afterChunk = () => {
    lastOutputAt = performance.now();
    runFile.flush();
  };

  const readers: PipeReader[] = [];
  const onError = (error: unknown) => request.warn(`internal error while reading the command's output: ${error instanceof Error ? error.message : error}`);
  const stdoutReader = new PipeReader(
    child.stdout,
    (chunk) => {
      clearTimeout(heldTimer);
      runFile.tick();
      scanner.push(chunk);
      afterChunk();
      if (scanner.holdsPrefix) {
        heldTimer = setTimeout(() => {
          scanner.flushHeld();
          void output.waitForStdout(); // released bytes the pipe cannot take yet still go out
        }, HELD_PREFIX_MS);
      }
      return output.waitForStdout();
    },
    onError,
  );
  readers.push(stdoutReader);
  output.onStdoutGone = () => stdoutReader.cancel();
  if (child.stderr) {
    readers.push(new PipeReader(child.stderr, (chunk) => (output.stderr(chunk), afterChunk(), output.waitForStderr()), onError));
  }
  if (child.records) {
    readers.push(new PipeReader(child.records, (chunk) => (runFile.tick(), fdLines.push(chunk), afterChunk()), onError));
  }

  signals.attach(child.process);
  const exited = await child.process.exited;
  const exitedAt = performance.now();
  signals.detach();
  await drainWithGrace(
    readers,
    exitedAt,
    () => Math.max(lastOutputAt, output.lastProgressAt),
    () => {
      // Output the reader of our stdout has not taken yet is waited for, as the command would
      // have waited; unless exprag was told to stop, which a stalled reader must not block.
      if (!output.stalled()) return "idle";
      return signals.stopRequested ? "abandon" : "busy";
    },
    () => output.abandon(),
  );
  clearTimeout(heldTimer);
  runFile.tick();
  scanner.end();
  fdLines.end();
  // What the end of the stream released (a last line without newline) still reaches stdout.
  const rest = output.stalled() ? Promise.all([output.waitForStdout(), output.waitForStderr()]) : undefined;
  if (rest && signals.stopRequested) output.abandon();
  else if (rest) await rest;

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
  for (const failure of output.failures()) request.warn(failure);
  if (runFile.failure) {
    request.warn(`the run file stopped at a write error (${runFile.failure.code ?? runFile.failure.message}); later records, run_end included, were lost`);
  }
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

function spawnChild(request: RunRequest, runId: string, ignored: readonly string[]): Spawned {
  const { command, env, cwd } = request;
  const executable = resolveExecutable(command[0]!, env.PATH ?? "", cwd);
  // Bun starts children with every signal at default; a signal the user ignored (nohup) is
  // re-ignored by a short exec through ourselves, which cannot report exec errors: check first.
  const viaExec = ignored.length > 0;
  if (viaExec) checkRunnable(command[0]!, executable);
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

type SignalName = (typeof RELAYED_SIGNALS)[number];
const RELAYED_SIGNALS = ["SIGINT", ...FORWARDED_SIGNALS] as const;
/** Signals a terminal sends to its whole foreground process group, the child included. */
const KEYBOARD_SIGNALS = new Set<string>(["SIGINT", "SIGQUIT"]);

/**
 * Relays SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child. Ctrl-C and Ctrl-\
 * at the terminal already reached the child, so they are not sent again. Signals the user
 * ignored when exprag started (nohup) stay ignored, here and in the child. A signal before the
 * child starts is remembered: the run then ends without starting it.
 */
class SignalRelay {
  readonly ignored: SignalName[];
  received: SignalName | null = null;
  interrupted = false;
  /** A signal asked the run to end (INT, TERM, HUP or QUIT, not USR1/USR2). */
  stopRequested = false;
  private child: Subprocess | null = null;
  private finished = false;
  private readonly handlers: [SignalName, () => void][] = [];

  constructor() {
    this.ignored = RELAYED_SIGNALS.filter((name) => isSignalIgnored(os.constants.signals[name]));
    for (const name of RELAYED_SIGNALS) {
      if (this.ignored.includes(name)) continue;
      const handler = () => this.relay(name);
      process.on(name, handler);
      this.handlers.push([name, handler]);
    }
  }

  attach(child: Subprocess): void {
    this.child = child;
  }

  /** The child has exited: later signals only let the run finish. */
  detach(): void {
    this.child = null;
    this.finished = true;
  }

  remove(): void {
    for (const [name, handler] of this.handlers) process.off(name, handler);
  }

  private relay(name: SignalName): void {
    if (name !== "SIGUSR1" && name !== "SIGUSR2") this.stopRequested = true;
    if (this.finished) return;
    if (name === "SIGINT") this.interrupted = true;
    if (!this.child) {
      this.received ??= name;
      return;
    }
    if (KEYBOARD_SIGNALS.has(name) && inForegroundOfTerminal()) return;
    this.child.kill(name);
  }
}

/** Whether exprag is in the foreground process group of its controlling terminal, wherever fds 0-2 point. */
function inForegroundOfTerminal(): boolean {
  let fd: number;
  try {
    fd = openSync("/dev/tty", "r");
  } catch {
    return false; // no controlling terminal
  }
  try {
    return isForegroundOfTerminal(fd);
  } finally {
    closeSync(fd);
  }
}

/** The exec through ourselves cannot tell why an exec failed, so catch the common cases before. */
function checkRunnable(name: string, executable: string): void {
  try {
    accessSync(executable, constants.X_OK);
  } catch {
    throw new UserError(`cannot run ${name}: not executable (EACCES)`, EXIT.notExecutable, "chmod +x it, or run it with its interpreter");
  }
  const head = Buffer.alloc(4);
  const fd = openSync(executable, "r");
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  const known = [Buffer.from("#!"), Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.from([0xca, 0xfe, 0xba, 0xbe])];
  if (!known.some((magic) => head.subarray(0, magic.length).equals(magic))) {
    throw new UserError(`cannot run ${name}: not executable (ENOEXEC)`, EXIT.notExecutable, "a script needs a #! line");
  }
}

/** Whether writes to `fd` are paced to the room in its pipe (a pipe, on Linux). */
function isPacedPipe(fd: number): boolean {
  try {
    return fstatSync(fd).isFIFO() && pipeRoom(fd) !== null;
  } catch {
    return false;
  }
}

/**
 * Reads a pipe until its end, or until cancelled; owns and closes its descriptor. A chunk whose
 * handling fails is reported once and reading goes on, so the child's output keeps flowing.
 */
class PipeReader {
  readonly done: Promise<void>;
  private readonly reader;

  constructor(source: Source, onChunk: (chunk: Uint8Array) => void | Promise<void>, onError: (error: unknown) => void) {
    const fd = typeof source === "number" ? source : null;
    const reader = (fd === null ? (source as ReadableStream<Uint8Array>) : Bun.file(fd).stream()).getReader();
    this.reader = reader;
    let failed = false;
    this.done = (async () => {
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          try {
            // A promise means the chunk's output waits for room: read no more until it is out.
            const written = onChunk(r.value);
            if (written) await written;
          } catch (error) {
            if (!failed) onError(error);
            failed = true;
          }
        }
      } catch (error) {
        onError(error);
      } finally {
        if (fd !== null) closeSync(fd);
      }
    })();
  }

  cancel(): void {
    this.reader.cancel().catch(() => {});
  }
}

/**
 * Waits for every pipe to end. Once the command exited, stops waiting for an idle background
 * writer; output still waiting for room in our stdout keeps the wait going, unless given up.
 */
async function drainWithGrace(
  readers: PipeReader[],
  exitedAt: number,
  lastActivityAt: () => number,
  stdoutState: () => "idle" | "busy" | "abandon",
  abandonStdout: () => void,
): Promise<void> {
  const all = Promise.all(readers.map((r) => r.done));
  let timer: Timer | undefined;
  const givenUp = new Promise<void>((resolve) => {
    const check = () => {
      const now = performance.now();
      const quiet = now - Math.max(lastActivityAt(), exitedAt) > GRACE_IDLE_MS;
      const state = stdoutState();
      if (state === "busy" || (!quiet && now - exitedAt <= GRACE_MAX_MS)) {
        timer = setTimeout(check, 50);
        return;
      }
      if (state === "abandon") abandonStdout();
      for (const reader of readers) reader.cancel();
      resolve();
    };
    timer = setTimeout(check, 50);
  });
  await Promise.race([all, givenUp]);
  clearTimeout(timer);
  await all;
}

/**
 * Writes to one of exprag's own descriptors. On Linux, when it is a pipe, only what the pipe
 * surely takes is written and the rest waits in a queue: a blocking write would stop the event
 * loop, and with it the signals to relay to the child. Elsewhere writes simply block.
 */
class FdWriter {
  private pending: { data: Uint8Array; start: number; end: number }[] = [];
  gone = false;
  failure: string | null = null;
  abandoned = 0;
  lastProgressAt = 0;

  constructor(
    private readonly fd: number,
    private readonly paced: boolean,
    private readonly onEpipe: () => void,
  ) {
    // More room in the pipe to our reader means fewer waits for it.
    if (paced) enlargePipe(fd, 1 << 20);
  }

  write(data: Uint8Array, start: number, end: number): void {
    if (this.gone) return;
    if (!this.paced) {
      try {
        writeFully(this.fd, data, start, end);
      } catch (error) {
        this.failed(error);
      }
      return;
    }
    this.pending.push({ data, start, end });
    this.writeWhatFits();
  }

  /**
   * A promise while output waits for room; nothing when all of it is out. A reader that keeps up
   * frees room within microseconds, so retries come on the next turn of the event loop at first
   * and back off only for a reader that has stopped.
   */
  wait(): Promise<void> | undefined {
    if (!this.stalled()) return undefined;
    return new Promise((resolve) => {
      let attempts = 0;
      const retry = () => {
        if (this.writeWhatFits()) return resolve();
        attempts++;
        if (attempts < 200) setImmediate(retry);
        else setTimeout(retry, Math.min(20, attempts - 199));
      };
      setImmediate(retry);
    });
  }

  stalled(): boolean {
    return this.pending.length > 0;
  }

  /** Drops what the reader would not take (only after a signal told exprag to stop). */
  abandon(): void {
    for (const item of this.pending) this.abandoned += item.end - item.start;
    this.pending = [];
  }

  /** Writes queued output as far as the pipe has room; true when nothing is left waiting. */
  private writeWhatFits(): boolean {
    while (this.pending.length && !this.gone) {
      const item = this.pending[0]!;
      const room = pipeRoom(this.fd) ?? item.end - item.start;
      if (room <= 0) return false;
      try {
        item.start += writeSync(this.fd, item.data, item.start, Math.min(room, item.end - item.start));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EAGAIN") return false;
        this.failed(error);
      }
      this.lastProgressAt = performance.now();
      if (item.start >= item.end) this.pending.shift();
    }
    if (this.gone) this.pending = [];
    return true;
  }

  private failed(error: unknown): void {
    this.gone = true;
    this.pending = [];
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPIPE") this.onEpipe();
    else this.failure = code ?? String(error);
  }
}

/**
 * The terminal side: stdout and stderr of exprag, plus the output log. A destination that fails
 * (disk full, device error) is given up, the others go on, and `failures` says what was lost.
 * When stderr is the same pipe as stdout (`2>&1`), both go through one queue, in order.
 */
class Output {
  private readonly out: FdWriter;
  private readonly err: FdWriter;
  private logFailure: string | null = null;
  /** Whoever read our stdout is gone: stop reading the child's, so its next write gets SIGPIPE. */
  onStdoutGone = () => {};

  constructor(private readonly log: number | null) {
    this.out = new FdWriter(1, isPacedPipe(1), () => this.onStdoutGone());
    this.err = samePipe(1, 2) && isPacedPipe(2) ? this.out : new FdWriter(2, isPacedPipe(2), () => {});
  }

  stdout(data: Uint8Array, start: number, end: number): void {
    this.toLog(data, start, end);
    this.out.write(data, start, end);
  }

  stderr(bytes: Uint8Array): void {
    this.toLog(bytes, 0, bytes.length);
    this.err.write(bytes, 0, bytes.length);
  }

  waitForStdout(): Promise<void> | undefined {
    return this.out.wait();
  }

  waitForStderr(): Promise<void> | undefined {
    return this.err.wait();
  }

  stalled(): boolean {
    return this.out.stalled() || this.err.stalled();
  }

  get lastProgressAt(): number {
    return Math.max(this.out.lastProgressAt, this.err.lastProgressAt);
  }

  abandon(): void {
    this.out.abandon();
    this.err.abandon();
  }

  failures(): string[] {
    const abandoned = this.out.abandoned + (this.err === this.out ? 0 : this.err.abandoned);
    return [
      this.out.failure && `could not write the command's output to stdout (${this.out.failure}); it is in the log`,
      abandoned > 0 && `${abandoned} bytes of output were never read before exprag was stopped${this.log === null ? "" : "; they are in the log"}`,
      this.logFailure && `the output log is incomplete (${this.logFailure})`,
    ].filter((message): message is string => typeof message === "string" && message.length > 0);
  }

  private toLog(data: Uint8Array, start: number, end: number): void {
    if (this.log === null || this.logFailure) return;
    try {
      writeFully(this.log, data, start, end);
    } catch (error) {
      this.logFailure = (error as NodeJS.ErrnoException).code ?? String(error);
    }
  }
}

/** Whether two descriptors are the same pipe (as with `2>&1`). */
function samePipe(a: number, b: number): boolean {
  try {
    const [x, y] = [fstatSync(a), fstatSync(b)];
    return x.isFIFO() && x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
