/**
 * The status of a point of a Slurm sweep that is still queued: its run file holds only the
 * run_start written at submit (with `queued`), until its task's `exprag run` takes its place.
 * Slurm is asked, once per array job per second, with one `scontrol show job -o`: `pending` while
 * the task waits (or has just started), the cause Slurm names when it ended the task before its
 * run began (`cancelled` for a scancel while pending), and `cancelled` too when Slurm has
 * forgotten the task: it left the queue without starting. Where Slurm cannot be asked, `pending`.
 */
import { statusOfJobState } from "./job-state";

/** The statuses a queued run can read (a subset of the run states, named here to keep this module free of the query layer). */
export type QueuedStatus = "pending" | "crashed" | NonNullable<ReturnType<typeof statusOfJobState>>;

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

/**
 * Each task's state from `scontrol show job -o JOB` of an array job (one line per record; the
 * tasks still pending share one record with a range). An empty map when Slurm answered that it does
 * not know the job.
 */
export function parseArrayTasks(text: string): Map<number, string> {
  const tasks = new Map<number, string>();
  for (const line of text.split("\n")) {
    const state = /(?:^|\s)JobState=(\S+)/.exec(line)?.[1];
    const indexes = /(?:^|\s)ArrayTaskId=(\S+)/.exec(line)?.[1];
    if (!state || !indexes) continue;
    for (const index of taskIndexes(indexes)) tasks.set(index, state);
  }
  return tasks;
}

const asked = new Map<string, { at: number; tasks: Map<number, string> | null }>();

/** The array's tasks Slurm knows and their states; null when Slurm could not be asked. */
export function arrayTasks(jobId: string, env: NodeJS.ProcessEnv): Map<number, string> | null {
  const cached = asked.get(jobId);
  if (cached && performance.now() - cached.at < FRESH_MS) return cached.tasks;
  let tasks: Map<number, string> | null = null;
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
  const tasks = arrayTasks(queued.jobId, env);
  if (tasks === null) return "pending";
  const state = tasks.get(queued.task);
  // Gone from Slurm while its run never began: it left the queue unstarted.
  if (state === undefined) return "cancelled";
  const cause = statusOfJobState(state);
  if (cause) return cause;
  // Ended as COMPLETED or FAILED without its run taking the place: its exprag died before it wrote.
  return /^(COMPLETED|FAILED)/.test(state) ? "crashed" : "pending";
}
