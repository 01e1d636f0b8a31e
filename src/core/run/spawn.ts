/**
 * Starting the command: found as execvp would find it (so a missing program is 127 and a
 * non-executable one 126), with its stdout, stderr and EXPRAG_FD on real pipes where the
 * platform has them.
 */
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Subprocess } from "bun";
import { EXIT, errnoCode, UserError } from "../errors";
import { type Platform, platform } from "../os/platform";
import { createPipe } from "../os/posix";
import { terminalStream, windowSize } from "./pty";

/** The descriptor a child writes records to (EXPRAG_FD). */
export const RECORD_FD = 3;

/** A pipe's read end (a descriptor we own) or, off POSIX, Bun's own stream. */
export type Source = number | ReadableStream<Uint8Array>;

export interface Spawned {
  process: Subprocess;
  /** With `pty`: the command's terminal (its stdout and stderr both come through `stdout`). */
  terminal: Bun.Terminal | null;
  startedAt: number;
  stdout: Source;
  stderr: Source | null;
  records: Source | null;
}

export interface SpawnRequest {
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The program, resolved beforehand with `resolveExecutable`. */
  executable: string;
  /** Extra variables for the child (EXPRAG_RUN_ID, EXPRAG_DIR...). */
  childEnv: Record<string, string>;
  /** Keep stderr (for the log) instead of letting the child write to ours directly. */
  captureStderr: boolean;
  /** Signals to leave ignored in the child, through a short exec of ourselves (`__exec`). */
  ignored: readonly string[];
  /** How to start this program again, for that exec. */
  selfCommand: string[];
  /** Give the command a pseudo-terminal instead of pipes (see pty.ts). */
  pty: boolean;
  /**
   * Start the command in a session and process group of its own, so that exprag can end it with
   * all its processes (a stop rule, a time limit); keyboard signals then reach it through exprag.
   */
  ownGroup?: boolean;
}

/** How the command is started on a platform: what `spawnChild` then sets up (a real pipe may still fail, then Bun's is used). */
export interface SpawnPlan {
  /** Through `exprag __exec`, so that signals the user ignored (nohup) stay ignored in the command. */
  viaExec: boolean;
  stdout: "real-pipe" | "bun-pipe";
  stderr: "real-pipe" | "bun-pipe" | "inherit";
  /** EXPRAG_FD: a real pipe on RECORD_FD, or none. */
  records: "real-pipe" | "none";
}

export function spawnPlan(request: Pick<SpawnRequest, "captureStderr" | "ignored">, on: Platform = platform): SpawnPlan {
  const pipe = on.realPipes ? "real-pipe" : "bun-pipe";
  return {
    viaExec: on.ignoredSignalsTrampoline && request.ignored.length > 0,
    stdout: pipe,
    stderr: request.captureStderr ? pipe : "inherit",
    records: on.recordFd ? "real-pipe" : "none",
  };
}

export function spawnChild(request: SpawnRequest): Spawned {
  const { command, cwd, executable } = request;
  const plan = spawnPlan(request);
  // Bun starts children with every signal at default; a signal the user ignored (nohup) is
  // re-ignored by a short exec through ourselves, which cannot report exec errors: check first.
  const viaExec = plan.viaExec;
  if (viaExec) checkRunnable(command[0]!, executable);
  const argv = viaExec
    ? [...request.selfCommand, "__exec", request.ignored.join(","), "--", executable, ...command.slice(1)]
    : [executable, ...command.slice(1)];

  const stdoutPipe = plan.stdout === "real-pipe" && !request.pty ? createPipe() : null;
  const stderrPipe = plan.stderr === "real-pipe" && !request.pty ? createPipe() : null;
  const recordPipe = plan.records === "real-pipe" ? createPipe() : null;
  const env: Record<string, string | undefined> = {
    ...request.env,
    ...request.childEnv,
    EXPRAG_FD: recordPipe ? String(RECORD_FD) : undefined,
    // Which pipe it is: a subprocess that did not inherit it may hold another file on that descriptor.
    EXPRAG_FD_ID: recordPipe ? fileIdentity(recordPipe[0]) : undefined,
    PYTHONUNBUFFERED: request.env.PYTHONUNBUFFERED ?? "1",
  };
  const ownWriteEnds = [stdoutPipe?.[1], stderrPipe?.[1], recordPipe?.[1]].filter((fd) => fd !== undefined);
  const screen = request.pty ? terminalStream() : null;
  let child: Subprocess<"inherit", "pipe", "pipe">;
  try {
    child = Bun.spawn(argv, {
      cwd,
      env,
      ...(request.ownGroup && !screen && { detached: true }),
      ...(!viaExec && { argv0: command[0] }),
      ...(screen && {
        terminal: {
          ...windowSize(),
          name: env.TERM ?? "xterm-256color",
          data: (_: unknown, chunk: Uint8Array) => screen.push(chunk),
          exit: () => screen.end(),
        },
      }),
      stdio: [
        screen ? "ignore" : "inherit",
        screen ? "ignore" : stdoutPipe ? stdoutPipe[1] : "pipe",
        screen ? "ignore" : stderrPipe ? stderrPipe[1] : request.captureStderr ? "pipe" : "inherit",
        ...(recordPipe ? [recordPipe[1]] : []),
      ] as never,
    }) as Subprocess<"inherit", "pipe", "pipe">;
  } catch (error) {
    for (const fd of [...ownWriteEnds, stdoutPipe?.[0], stderrPipe?.[0], recordPipe?.[0]]) if (fd !== undefined) closeSync(fd);
    throw spawnError(command[0]!, error);
  }
  for (const fd of ownWriteEnds) closeSync(fd);
  if (screen) {
    return {
      process: child,
      terminal: child.terminal ?? null,
      startedAt: performance.now(),
      stdout: screen.stream,
      stderr: null,
      records: recordPipe ? recordPipe[0] : null,
    };
  }
  return {
    process: child,
    terminal: null,
    startedAt: performance.now(),
    stdout: stdoutPipe ? stdoutPipe[0] : child.stdout,
    stderr: stderrPipe ? stderrPipe[0] : request.captureStderr ? child.stderr : null,
    records: recordPipe ? recordPipe[0] : null,
  };
}

/** Finds the program the way execvp would, so a missing one is 127 and a non-executable one 126. */
export function resolveExecutable(name: string, path: string, cwd: string): string {
  if (name.includes("/")) {
    const full = isAbsolute(name) ? name : resolve(cwd, name);
    let stat: Stats;
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
  const code = errnoCode(error);
  if (code === "ENOENT") return new UserError(`command not found: ${name}`, EXIT.notFound);
  if (code === "EACCES" || code === "ENOEXEC" || code === "EISDIR") {
    return new UserError(
      `cannot run ${name}: not executable (${code})`,
      EXIT.notExecutable,
      code === "ENOEXEC" ? "a script needs a #! line" : "chmod +x it, or run it with its interpreter",
    );
  }
  return new UserError(`cannot start ${name}: ${(error as Error).message ?? error}`, EXIT.notExecutable);
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

/** `device:inode` of an open descriptor, as Python's os.fstat gives them. */
function fileIdentity(fd: number): string {
  const stat = fstatSync(fd, { bigint: true });
  return `${stat.dev}:${stat.ino}`;
}
