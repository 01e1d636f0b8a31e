/**
 * `exprag run`: records where the run came from, starts the command, passes its output through,
 * records its magic lines and EXPRAG_FD lines, and ends the run file with `run_end` however the
 * command ends.
 */
import { RunContext } from "../context/run-context";
import { EXIT, errnoReason, UserError } from "../errors";
import { usualJit } from "../os/jit";
import { currentAuthor } from "../record/author";
import type { RecordCounts, RunEndStatus } from "../record/schema";
import type { askSlurmWhyEnded } from "../slurm/job-state";
import { schedulerOf } from "./context";
import { codeSource, finishRun, type OpenRun, openRun, readGitWhile } from "./open-run";
import { connectTerminal } from "./pty";
import type { RunRequest } from "./run-request";
import { endingSignal, SignalRelay, signalNumber } from "./signals";
import { resolveExecutable, type Spawned, spawnChild } from "./spawn";
import { stopExitCode, stopsEarly } from "./stop-policy";

export interface RunOutcome {
  runId: string;
  runFile: string;
  status: RunEndStatus;
  /** What exprag exits with: the command's code, or 128+N when signal N ended it; 123 stopped by a rule, 124 timed out. */
  exitCode: number;
  counts: RecordCounts;
}

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
  const runId = request.runId ?? Bun.randomUUIDv7();
  // A command that cannot start must leave no snapshot behind: it is found before git is read.
  let executable: string | UserError;
  try {
    executable = resolveExecutable(request.command[0]!, request.env.PATH ?? "", request.cwd);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    executable = error;
  }
  const context = typeof executable === "string" ? new RunContext(request.context ?? {}, request.env) : null;
  const code = await codeSource(request);
  let run: OpenRun;
  try {
    const willStart = typeof executable === "string";
    // The outputs watch is set up while git reads the work tree.
    const git = await readGitWhile(request, runId, willStart, code, (top) => context?.watchAhead(top, request.store));
    run = openRun(request, runId, willStart, typeof executable === "string" ? executable : null, code, git);
  } catch (error) {
    context?.abandoned();
    throw error;
  }
  // Tags are written beside run_start; their code is loaded only by a run that has some.
  if (request.tags?.length) {
    try {
      const { appendAnnotation } = await import("../record/annotations");
      appendAnnotation(run.runFile.path, runId, { kind: "tag", tags: request.tags }, currentAuthor(request.env, request.cwd));
    } catch (error) {
      // The command never starts: the run ends failed, saying why, rather than reading as crashed.
      context?.abandoned();
      const failure = new UserError(
        `the run's tags could not be written${error instanceof UserError ? `: ${error.message}` : ` (${errnoReason(error)})`}`,
        EXIT.internal,
        "check the store's annotations folder, then run again",
      );
      finishRun(run, { status: "failed", exit_code: failure.exitCode, signal: null, error: failure.message }, request.warn);
      throw failure;
    }
  }
  const outcome = (status: RunEndStatus, exitCode: number): RunOutcome => ({ runId, runFile: run.runFile.path, status, exitCode, counts: run.runFile.counts });
  if (executable instanceof UserError) {
    finishRun(run, { status: "failed", exit_code: executable.exitCode, signal: null, error: executable.message }, request.warn);
    throw executable;
  }

  // Only a run that may stop early loads what watches its rules, and the query code they are read with.
  const stopping = stopsEarly(request.stop)
    ? await import("./stopping").catch((error) => {
        context?.abandoned();
        throw error;
      })
    : null;
  // Reading git runs synchronously; one turn of the event loop lets a signal sent meanwhile land.
  await new Promise((resolve) => setImmediate(resolve));
  if (signals.received) {
    // Stopped while recording where the run came from: the command never starts.
    const signal = signals.received;
    const exitCode = 128 + signalNumber(signal);
    const ended = signal === "SIGINT" ? "interrupted" : "killed";
    context?.abandoned();
    // Slurm may end the job between run_start and the command's start (a requeue as soon as the run shows): asked why too.
    const scheduled = ended === "killed" ? await schedulerEnd(request.env, request.runId !== undefined, null, () => signals.stopRequested) : null;
    const status = scheduled?.status ?? ended;
    const error = `${signal} arrived before the command started`;
    finishRun(run, { status, exit_code: exitCode, signal, error, ...(scheduled && { scheduler_end: scheduled.end }) }, request.warn);
    return outcome(status, exitCode);
  }

  context?.starting(run.root, request.store, run.workTree);
  let child: Spawned;
  try {
    child = spawnChild({
      command: request.command,
      cwd: request.cwd,
      env: request.env,
      executable,
      childEnv: { EXPRAG_RUN_ID: runId, EXPRAG_DIR: request.store },
      // Always through exprag, log or not: run_end keeps its last lines.
      captureStderr: true,
      ignored: signals.ignored,
      selfCommand: request.selfCommand,
      pty: request.pty,
      ownGroup: stopsEarly(request.stop),
    });
  } catch (error) {
    context?.abandoned();
    const failure = error instanceof UserError ? error : new UserError(String(error));
    finishRun(run, { status: "failed", exit_code: failure.exitCode, signal: null, error: failure.message }, request.warn);
    throw failure;
  }
  run.runFile.startClock(child.startedAt);
  context?.started(child.process.pid, run.runFile);
  // A command with stop rules runs in a session of its own, as a --pty one does: no keyboard signal reaches it but through exprag.
  const ownGroup = child.terminal !== null || stopping !== null;
  signals.attach(child.process, ownGroup);
  // What follows goes on as long as the command does: compiled as usual.
  usualJit();

  // Loaded while the command runs: its output waits in the pipes meanwhile.
  let started: typeof import("./started");
  try {
    started = await import("./started");
  } catch (error) {
    // The command runs already, and nothing would read its output or end its run: it is ended, and the run says why.
    await endUnread(child, ownGroup);
    context?.abandoned();
    const failure = new UserError(`exprag could not load what reads the command's output (${errnoReason(error)})`, EXIT.internal);
    finishRun(run, { status: "failed", exit_code: failure.exitCode, signal: null, error: failure.message }, request.warn);
    throw failure;
  }
  const { CommandStreams, errorLine, Output, RecordIngest } = started;
  const ingest = new RecordIngest(run.runFile, request.warn);
  const output = new Output(run.log);
  const streams = new CommandStreams(child, run.runFile, ingest, output, request.echo, request.warn);
  const facts = { runId, name: request.name, params: request.params ?? {}, metadata: request.metadata, tags: request.tags ?? [] };
  const stopper =
    stopping && stopsEarly(request.stop)
      ? stopping.watchForStop(request.stop, facts, { ingest, runFile: run.runFile }, child.process.pid, child.startedAt, request.warn)
      : null;
  const disconnect = child.terminal ? connectTerminal(child.terminal) : null;
  // A reader on another host tells a live run from a dead one by this, also while the command is silent.
  const heartbeat = setInterval(() => run.runFile.touch(), request.heartbeatSeconds * 1000);
  heartbeat.unref();
  const exited = await child.process.exited;
  stopper?.dispose();
  clearInterval(heartbeat);
  disconnect?.();
  const exitedAt = performance.now();
  run.runFile.stopClock(exitedAt);
  signals.detach();
  await streams.finish(exitedAt, () => signals.stopRequested);
  const system = await context?.exited();
  await context?.ended(run.runFile, run.root, request.store, runId, request.warn);

  const signal = endingSignal(child.process);
  const exitCode = signal ? 128 + signalNumber(signal) : exited;
  const stopped = stopper?.reason ?? null;
  const ended = stopped?.status ?? runStatus(signal, exitCode, signals.interruptReachedCommand(exitedAt));
  // A run Slurm ended by a signal says why: Slurm is asked (a stop rule's own end is already known).
  const scheduled =
    !stopped && (ended === "killed" || (ended === "failed" && signals.received))
      ? await schedulerEnd(request.env, request.runId !== undefined, signal, () => signals.stopRequested)
      : null;
  const status = scheduled?.status ?? ended;
  const usage = child.process.resourceUsage();
  const stderrTail = streams.stderrTail.lines();
  const error = status === "ok" ? null : errorLine(stderrTail);
  finishRun(
    run,
    {
      status,
      exit_code: exitCode,
      signal,
      duration_ms: Math.round((exitedAt - child.startedAt) * 1000) / 1000,
      resources: usage && {
        max_rss_bytes: usage.maxRSS,
        cpu_user_ms: Number(usage.cpuTime.user) / 1000,
        cpu_system_ms: Number(usage.cpuTime.system) / 1000,
      },
      ...(stderrTail.length > 0 && { stderr_tail: stderrTail }),
      ...(error !== null && { error }),
      ...(ingest.divergence && { diverged: ingest.divergence }),
      ...(stopped && { stopped_by: stopped.by }),
      ...(system && { system }),
      ...(scheduled && { scheduler_end: scheduled.end }),
    },
    request.warn,
  );
  const summary = ingest.summary();
  if (summary) request.warn(summary);
  for (const failure of output.failures()) request.warn(failure);
  return outcome(status, stopped ? stopExitCode(stopped) : exitCode);
}

/** How the command ended: a SIGINT that reached it makes it interrupted, another signal killed. */
export function runStatus(signal: string | null, exitCode: number, interruptReached: boolean): RunEndStatus {
  if (signal === "SIGINT" || interruptReached) return "interrupted";
  if (signal) return "killed";
  return exitCode === 0 ? "ok" : "failed";
}

/**
 * Why the scheduler ended the run, when it runs under Slurm and Slurm names a cause. Slurm ends a
 * job by signalling every process of it, exprag too, but in no set order: exprag may learn of its
 * own signal (`signalled`) only after it has finished asking, or not at all. A point of exprag's
 * own sweep or rerun (`ownTask`: nothing else is expected to signal it) that was signalled, or
 * whose command died of a signal Slurm ends jobs with (`commandSignal`), asks patiently, where a
 * run in a user's allocation may have been stopped by anything (timeout, a hang-up) and asks briefly.
 */
async function schedulerEnd(
  env: NodeJS.ProcessEnv,
  ownTask: boolean,
  commandSignal: string | null,
  signalled: () => boolean,
): Promise<Awaited<ReturnType<typeof askSlurmWhyEnded>>> {
  const scheduler = schedulerOf(env);
  if (scheduler?.kind !== "slurm") return null;
  // Asking Slurm is loaded only by a run Slurm may have ended.
  const { askSlurmWhyEnded, SIGNALLED_PATIENCE_MS, SLURM_END_SIGNALS } = await import("../slurm/job-state");
  const patient = () => ownTask && (signalled() || (commandSignal !== null && SLURM_END_SIGNALS.has(commandSignal)));
  return askSlurmWhyEnded(scheduler.job_id, env, () => (patient() ? SIGNALLED_PATIENCE_MS : undefined));
}

/** Kills a command whose output nothing will read (its process group where it has one of its own), and waits for it. */
async function endUnread(child: Spawned, ownGroup: boolean): Promise<void> {
  try {
    if (ownGroup && process.platform !== "win32") process.kill(-child.process.pid, "SIGKILL");
    else child.process.kill("SIGKILL");
  } catch {
    // gone already
  }
  await child.process.exited;
}
