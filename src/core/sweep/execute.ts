/**
 * Running the runs of a sweep: each an ordinary `exprag run` in a child process, at most `jobs`
 * at once, each slot with its own device when devices are given. A failure stops new starts with
 * `failFast`; a stop signal always does, and reaches the runs still running (see signals.ts).
 */
import type { Subprocess } from "bun";
import { EXIT } from "../errors";
import { platform } from "../os/platform";
import { shortId } from "../record/refs";
import { endingSignal, signalNumber } from "../run/signals";
import { describePoint, type Point } from "./points";
import { SweepSignals } from "./signals";

export interface SweepRun {
  /** Its place in the sweep, from 0. */
  index: number;
  point: Point;
  /** The command with the point's values in place of the placeholders. */
  command: string[];
  /** Its run id, when chosen beforehand (a rerun names its worktree by it); else a new one. */
  runId?: string;
}

/** A run while it runs. */
export interface ActiveRun {
  run: SweepRun;
  runId: string;
  shortId: string;
  slot: number;
  device: string | null;
  /** performance.now() when it started. */
  startedAt: number;
}

export interface SweepRunResult {
  run: SweepRun;
  /** Null for a run that never started (a stop, or --fail-fast). */
  runId: string | null;
  device: string | null;
  /** What its `exprag run` exited with (128+N for signal N); null when it never started. */
  exitCode: number | null;
}

/** Told what happens, to show it: only `ended` in the inherited mode, where runs write to the terminal themselves. */
export interface SweepObserver {
  started(active: ActiveRun): void;
  output(active: ActiveRun, stream: "stdout" | "stderr", chunk: Uint8Array): void;
  ended(active: ActiveRun, exitCode: number): void;
}

export interface SweepLaunch {
  runs: SweepRun[];
  jobs: number;
  /** One per slot: the run started in slot i gets devices[i] as CUDA_VISIBLE_DEVICES and HIP_VISIBLE_DEVICES. */
  devices: string[] | null;
  failFast: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** How to start this exprag. */
  selfCommand: string[];
  /** The `exprag run` arguments of one run (after `run`). */
  runArguments(run: SweepRun): string[];
  /** The hand-off variables of one run. */
  runVariables(run: SweepRun, runId: string): Record<string, string>;
  /**
   * "inherit": a run has the terminal (stdin, stdout, stderr), its stdout going to `stdoutFd`;
   * "observe": its stdout and stderr come to the observer, stdin is closed.
   */
  output: { kind: "inherit"; stdoutFd: 1 | 2 } | { kind: "observe" };
  observer: SweepObserver;
  warn(message: string): void;
}

export interface SweepOutcome {
  /** Every run of the sweep, in order, started or not. */
  results: SweepRunResult[];
  /** The stop signal that ended the sweep early. */
  stoppedBy: string | null;
}

export const DEVICE_VARIABLES = ["CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"];

export async function executeSweep(launch: SweepLaunch): Promise<SweepOutcome> {
  const results: SweepRunResult[] = launch.runs.map((run) => ({ run, runId: null, device: null, exitCode: null }));
  const queue = [...launch.runs];
  let failed = false;
  const signals = new SweepSignals(() => {
    queue.length = 0;
  });
  const stopping = () => signals.stoppedBy !== null || (launch.failFast && failed);
  const worker = async (slot: number) => {
    for (let run = queue.shift(); run !== undefined && !stopping(); run = queue.shift()) {
      const device = launch.devices?.[slot] ?? null;
      const runId = run.runId ?? Bun.randomUUIDv7();
      results[run.index] = { run, runId, device, exitCode: null };
      const exitCode = await runOne(launch, signals, { run, runId, shortId: shortId(runId), slot, device, startedAt: performance.now() });
      results[run.index]!.exitCode = exitCode;
      if (exitCode !== 0) failed = true;
    }
  };
  try {
    const slots = Math.max(1, Math.min(launch.jobs, launch.runs.length));
    await Promise.all(Array.from({ length: slots }, (_, slot) => worker(slot)));
  } finally {
    signals.remove();
  }
  return { results, stoppedBy: signals.stoppedBy };
}

async function runOne(launch: SweepLaunch, signals: SweepSignals, active: ActiveRun): Promise<number> {
  const argv = [...launch.selfCommand, "run", ...launch.runArguments(active.run)];
  // Bun starts children with no signal ignored: a signal the user ignored (nohup) is re-ignored by
  // a short exec through exprag itself, as `exprag run` does for its command.
  const viaExec = platform.ignoredSignalsTrampoline && signals.ignored.length > 0;
  const spawned = viaExec ? [...launch.selfCommand, "__exec", signals.ignored.join(","), "--", ...argv] : argv;
  const devices = active.device === null ? {} : Object.fromEntries(DEVICE_VARIABLES.map((name) => [name, active.device!]));
  const env = { ...launch.env, ...launch.runVariables(active.run, active.runId), ...devices };
  const observe = launch.output.kind === "observe";
  const stdio = observe
    ? (["ignore", "pipe", "pipe"] as const)
    : (["inherit", launch.output.kind === "inherit" ? launch.output.stdoutFd : 1, "inherit"] as const);
  let child: Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn(spawned, { cwd: launch.cwd, env, stdio: [...stdio] as never }) as Subprocess<"ignore", "pipe", "pipe">;
  } catch (error) {
    launch.warn(`run ${active.shortId} (${describePoint(active.run.point)}) could not start: ${(error as Error).message ?? error}`);
    return EXIT.internal;
  }
  signals.add(child);
  launch.observer.started(active);
  const pump = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
    for await (const chunk of stream) launch.observer.output(active, name, chunk);
  };
  try {
    await Promise.all([child.exited, ...(observe ? [pump(child.stdout, "stdout"), pump(child.stderr, "stderr")] : [])]);
  } finally {
    signals.delete(child);
  }
  const signal = endingSignal(child);
  const exitCode = signal ? 128 + signalNumber(signal) : (child.exitCode ?? 1);
  launch.observer.ended(active, exitCode);
  return exitCode;
}
