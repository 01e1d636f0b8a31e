/**
 * The status of a point of a Slurm sweep that is still queued: its run file holds only the
 * run_start written at submit (with `queued`), until its task's `exprag run` takes its place.
 * Slurm is asked, once per array job per second, with one `scontrol show job -o`: `pending` while
 * the task waits (or has just started), the cause Slurm names when it ended the task before its
 * run began (`cancelled` for a scancel while pending), and `cancelled` too when Slurm has
 * forgotten the task: it left the queue without starting, and `failed` when the task ended without
 * its run ever being written; `pending` again while Slurm requeues it. Where Slurm cannot be asked,
 * `pending`. An end Slurm names comes with the run_end that records it (./queued-end.ts writes it
 * into the run file); a task Slurm does not know is read `cancelled` but not written so, since the
 * Slurm asked may be another cluster's.
 */
import type { RunEndValue } from "../record/schema";
import { scontrolField, scontrolReason, statusOfJobState } from "./job-state";

/** The statuses a queued run can read (a subset of the run states, named here to keep this module free of the query layer). */
export type QueuedStatus = "pending" | "failed" | NonNullable<ReturnType<typeof statusOfJobState>>;

const ASK_TIMEOUT_MS = 3000;
const FRESH_MS = 1000;

/** Task indexes written as Slurm writes them: `0-3`, `0,2-5`, `1-999%10` (a throttle after %). */
export function taskIndexes(text: string): number[] {
  const indexes: number[] = [];
  for (const part of text.split("%")[0]!.split(",")) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!range) continue;
    const from = Number(range[1]);
    const to = Math.min(Number(range[2] ?? range[1]), from + 1_000_000);
    for (let index = from; index <= to; index++) indexes.push(index);
  }
  return indexes;
}

/** What Slurm shows of one task: its state, its reason (other than None), its exit code (`N:S`). */
export interface TaskState {
  state: string;
  reason: string | null;
  exitCode: string | null;
}

/**
 * Each task's state from `scontrol show job -o JOB` of an array job (one line per record; the
 * tasks still pending share one record with a range). An empty map when Slurm answered that it does
 * not know the job.
 */
export function parseArrayTasks(text: string): Map<number, TaskState> {
  const tasks = new Map<number, TaskState>();
  for (const line of text.split("\n")) {
    const state = scontrolField(line, "JobState");
    const indexes = scontrolField(line, "ArrayTaskId");
    if (!state || !indexes) continue;
    const shown: TaskState = { state, reason: scontrolReason(line), exitCode: scontrolField(line, "ExitCode") };
    for (const index of taskIndexes(indexes)) tasks.set(index, shown);
  }
  return tasks;
}

const asked = new Map<string, { at: number; tasks: Map<number, TaskState> | null }>();

/** The array's tasks Slurm knows and their states; null when Slurm could not be asked. */
export function arrayTasks(jobId: string, env: NodeJS.ProcessEnv): Map<number, TaskState> | null {
  const cached = asked.get(jobId);
  if (cached && performance.now() - cached.at < FRESH_MS) return cached.tasks;
  let tasks: Map<number, TaskState> | null = null;
  try {
    if (Bun.which("scontrol", { PATH: env.PATH ?? "" })) {
      const result = Bun.spawnSync(["scontrol", "show", "job", "-o", jobId], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: ASK_TIMEOUT_MS });
      if (result.exitCode === 0) tasks = parseArrayTasks(result.stdout.toString());
      else if (/invalid job id/i.test(result.stderr.toString())) tasks = new Map();
    }
  } catch {}
  asked.set(jobId, { at: performance.now(), tasks });
  return tasks;
}

/** What a queued run reads, by what Slurm says of its task. */
export function queuedStatus(queued: { jobId: string; task: number }, env: NodeJS.ProcessEnv = process.env): QueuedStatus {
  return queuedAnswer(queued, env).status;
}

/**
 * What a queued run reads, and when Slurm ended its task before its run began, the run_end that
 * says so as a run's end is said (status, Slurm's state and reason), to be written into its file.
 */
export function queuedAnswer(queued: { jobId: string; task: number }, env: NodeJS.ProcessEnv = process.env): { status: QueuedStatus; end: RunEndValue | null } {
  const tasks = arrayTasks(queued.jobId, env);
  if (tasks === null) return { status: "pending", end: null };
  const job = `${queued.jobId}_${queued.task}`;
  const shown = tasks.get(queued.task);
  // Gone from Slurm while its run never began: it left the queue unstarted. Not written into its
  // file: a Slurm that does not know the job may be another cluster's (a pulled store, a login node).
  if (shown === undefined) return { status: "cancelled", end: null };
  // Being requeued (ended to run again): Slurm still has the task in hand.
  if (/^REQUEUE/.test(shown.state)) return { status: "pending", end: null };
  const scheduler_end = { kind: "slurm" as const, job_id: job, state: shown.state, ...(shown.reason && { reason: shown.reason }) };
  const cause = statusOfJobState(shown.state);
  if (cause) return { status: cause, end: { ...neverRan(cause, null, `Slurm ended task ${job} (${shown.state}) before its run began`), scheduler_end } };
  // Ended as COMPLETED or FAILED without its run taking the place: its exprag ended before it wrote.
  if (!/^(COMPLETED|FAILED)/.test(shown.state)) return { status: "pending", end: null };
  const exitCode = Number(/^(\d+):/.exec(shown.exitCode ?? "")?.[1] ?? Number.NaN);
  const error = `Slurm task ${job} ended ${shown.state}${shown.exitCode ? ` (exit code ${shown.exitCode})` : ""} before its run was recorded: see the task's output`;
  return { status: "failed", end: { ...neverRan("failed", Number.isSafeInteger(exitCode) ? exitCode : null, error), scheduler_end } };
}

/** The run_end of a run whose command never ran. */
const neverRan = (status: RunEndValue["status"], exitCode: number | null, error: string): RunEndValue => ({
  status,
  exit_code: exitCode,
  signal: null,
  counts: { track: 0, meta: 0, note: 0, parse_error: 0 },
  error,
});
