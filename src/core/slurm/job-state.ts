/**
 * Why Slurm ended a job: asked with `scontrol show job` (and `sacct` where accounting exists) when
 * a run under Slurm ends by a signal, so the run reads `timeout` or `cancelled` rather than `killed`.
 */
import type { SchedulerEnd, SchedulerEndStatus } from "../record/schema";

/** Slurm's job states that name why a job ended, and the status each gives a run. */
const STATUS_OF_STATE: Record<string, SchedulerEndStatus> = {
  TIMEOUT: "timeout",
  DEADLINE: "timeout",
  CANCELLED: "cancelled",
  PREEMPTED: "preempted",
  OUT_OF_MEMORY: "out_of_memory",
  NODE_FAIL: "node_fail",
  BOOT_FAIL: "node_fail",
  // Ended to be run again (scontrol requeue, a preemption that requeues): its next attempt is another run.
  REQUEUED: "preempted",
};

/** How long Slurm's commands may take to answer before the run ends as `killed`. */
const ASK_TIMEOUT_MS = 3000;

/** The status Slurm's job state gives a run, or null when it names no cause (RUNNING, FAILED, ...). */
export function statusOfJobState(state: string): SchedulerEndStatus | null {
  // `CANCELLED by 0`, `CANCELLED+`: the state is the first word.
  const word = state.trim().split(/[\s+]/)[0]!.toUpperCase();
  return STATUS_OF_STATE[word] ?? null;
}

/**
 * Which attempt of a job asks: its SLURM_RESTART_COUNT, and whether it is that attempt's own run
 * asking how it is ending (`live`) or a reader asking after a run whose writer died.
 */
export type Attempt = { count: number; live: boolean } | null;

/**
 * Whether Slurm has restarted the job since `attempt` (its restart count `restarts`): that
 * attempt was requeued. A reader takes it so whatever Slurm shows now (a later attempt cancelled,
 * timed out); a live run, only while Slurm names no other cause of its own end.
 */
const requeuedSince = (attempt: Attempt, restarts: number, shown: string): boolean =>
  attempt !== null && restarts > attempt.count && (!attempt.live || statusOfJobState(shown) === null);

/**
 * The state of job `jobId` from `scontrol show job -o` (one line of Key=Value pairs per job; an
 * array's first task may show all the array's tasks). While its processes are being ended Slurm
 * shows only COMPLETING, whatever ended it; then the cause is read from the rest: a run time that
 * reached the time limit is TIMEOUT, a preemption time is PREEMPTED, and otherwise Slurm is ending
 * a job before its time: CANCELLED (scancel).
 */
export function parseScontrolJob(text: string, attempt: Attempt = null, jobId?: string): { state: string; reason: string | null } | null {
  const line = (jobId && text.split("\n").find((row) => scontrolField(row, "JobId") === jobId)) || text;
  const field = (name: string) => scontrolField(line, name);
  const shown = field("JobState");
  if (!shown) return null;
  // Restarted since (it shows COMPLETING, then PENDING): requeued.
  const requeued = requeuedSince(attempt, Number(field("Restarts") ?? 0), shown);
  const state = requeued ? "REQUEUED" : shown === "COMPLETING" ? completingCause(field("RunTime"), field("TimeLimit"), field("PreemptTime")) : shown;
  return { state, reason: scontrolReason(line) };
}

/** One `Key=Value` of a line of `scontrol show job -o`; null when it has none. */
export const scontrolField = (line: string, name: string): string | null => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(line)?.[1] ?? null;

/** The job's Reason, when it gives one other than None. */
export function scontrolReason(line: string): string | null {
  const reason = scontrolField(line, "Reason");
  return reason && reason !== "None" ? reason : null;
}

function completingCause(runTime: string | null, timeLimit: string | null, preemptTime: string | null): string {
  if (preemptTime && preemptTime !== "None") return "PREEMPTED";
  const run = seconds(runTime);
  const limit = seconds(timeLimit);
  if (run !== null && limit !== null && run >= limit) return "TIMEOUT";
  return "CANCELLED";
}

/** Slurm's `[D-]HH:MM:SS` (or MM:SS) as seconds; null for UNLIMITED and anything else. */
export function seconds(duration: string | null): number | null {
  const match = duration ? /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(duration) : null;
  if (!match) return null;
  const [, days, hours, minutes, secs] = match;
  return ((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes)) * 60 + Number(secs);
}

/**
 * `sacct -n -P -X -D -o JobIDRaw,State,Reason`: `ID|STATE|REASON`, one line per run of each job it
 * matched (an array's first task matches the whole array; a requeued job has one line per attempt,
 * the latest last). The lines of job `jobId`, when given; more of them than a reader's `attempt`
 * knows: requeued (a live run reads the latest only).
 */
export function parseSacct(text: string, attempt: Attempt = null, jobId?: string): { state: string; reason: string | null } | null {
  const rows = text
    .split("\n")
    .map((row) => row.split("|"))
    .filter(([id, state]) => state?.trim() && (jobId === undefined || id?.trim() === jobId));
  const [, state = "", reason] = rows.at(-1) ?? [];
  if (!state) return null;
  const why = reason?.trim();
  const shown = { state: state.trim(), reason: why && why !== "None" ? why : null };
  return attempt !== null && !attempt.live && requeuedSince(attempt, rows.length - 1, shown.state) ? { state: "REQUEUED", reason: null } : shown;
}

/** A Slurm command's output; "unknown" when it said it knows no such job (or no Slurm client is here); null when it gave no answer in time. */
function ask(command: string[], env: NodeJS.ProcessEnv): string | "unknown" | null {
  try {
    const result = Bun.spawnSync(command, { env, stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: ASK_TIMEOUT_MS });
    if (result.exitCode === 0) return result.stdout.toString();
    return /invalid job id/i.test(result.stderr.toString()) ? "unknown" : null;
  } catch {
    return "unknown";
  }
}

/** How long after a first ask Slurm is asked again when it names no cause: a signal can arrive just before its state changes. */
const ASK_AGAIN_MS = 300;

/**
 * How long a point of exprag's own Slurm sweep or rerun whose exprag was signalled (Slurm signals
 * every process of a job it ends), or whose command died of one of SLURM_END_SIGNALS, goes on
 * asking while Slurm names no cause (it still shows the job RUNNING, or gives no answer in
 * time): a loaded controller can be slow to say why it ends a job, and Slurm gives the job's
 * processes KillWait (30 s by default) between its SIGTERM and its SIGKILL. The last ask may take
 * two of ASK_TIMEOUT_MS beyond it.
 */
export const SIGNALLED_PATIENCE_MS = 5000;

/**
 * The signals Slurm ends a job's processes with (SIGTERM, then SIGKILL after KillWait; SIGKILL
 * too when it ends a job out of memory): a command of exprag's own Slurm task that died of one
 * was most likely ended by Slurm, whether or not exprag has yet learnt of its own signal.
 */
export const SLURM_END_SIGNALS: ReadonlySet<string> = new Set(["SIGTERM", "SIGKILL"]);

/**
 * What Slurm says ended job `jobId`: `scontrol show job` first, then `sacct` (where accounting
 * exists). Null when neither names a cause. Asked twice, ASK_AGAIN_MS apart, or for as long as
 * `patience()` ms while Slurm still names none; a job Slurm does not know is asked once, and so is
 * one Slurm gives no answer on in time unless asked with patience. `patience` is asked again
 * before each decision: Slurm signals exprag and the command alike, and exprag may learn of its
 * own signal only after the command has died of its.
 */
export async function askSlurmWhyEnded(
  jobId: string,
  env: NodeJS.ProcessEnv,
  patience: () => number | undefined = () => undefined,
): Promise<{ status: SchedulerEndStatus; end: SchedulerEnd } | null> {
  const started = performance.now();
  for (let asks = 1; ; asks++) {
    const patienceMs = patience() ?? ASK_AGAIN_MS;
    const until = started + patienceMs;
    const job = jobState(jobId, env, { count: Number(env.SLURM_RESTART_COUNT ?? 0) || 0, live: true });
    // Without patience, as a run in a user's allocation asks: no answer in time is no answer.
    if (job === "unknown" || (job === null && patienceMs <= ASK_AGAIN_MS)) return null;
    const status = job && statusOfJobState(job.state);
    if (job && status) return { status, end: { kind: "slurm", job_id: jobId, state: job.state, ...(job.reason && { reason: job.reason }) } };
    if (asks >= 2 && performance.now() + ASK_AGAIN_MS > until) return null;
    await Bun.sleep(ASK_AGAIN_MS);
  }
}

/**
 * The job's state as `scontrol`, else `sacct`, shows it; "unknown" when Slurm knows no such job,
 * null when it gave no answer. `attempt`: the attempt asking, to tell a requeue.
 */
function jobState(jobId: string, env: NodeJS.ProcessEnv, attempt: Attempt): { state: string; reason: string | null } | "unknown" | null {
  const shown = ask(["scontrol", "show", "job", "-o", jobId], env);
  const parsed = typeof shown === "string" && shown !== "unknown" ? parseScontrolJob(shown, attempt, jobId) : null;
  if (parsed) return parsed;
  const accounted = ask(["sacct", "-n", "-P", "-X", "-D", "-j", jobId, "-o", "JobIDRaw,State,Reason"], env);
  const found = typeof accounted === "string" && accounted !== "unknown" ? parseSacct(accounted, attempt, jobId) : null;
  return found ?? (shown === null ? null : "unknown");
}

const causes = new Map<string, SchedulerEndStatus | null>();

/**
 * What ended the job of a run whose writer died without run_end (its node failed, it was killed
 * past the signal), when Slurm can still be asked and names a cause; asked once per job and
 * attempt. `attempt`: the run's SLURM_RESTART_COUNT (0 for a first attempt): a job Slurm has
 * restarted since reads REQUEUED, as the run was ended to run again.
 */
export function slurmCauseOfDeath(jobId: string, attempt: number, env: NodeJS.ProcessEnv = process.env): SchedulerEndStatus | null {
  if (!/^\d+$/.test(jobId)) return null;
  const key = `${jobId}:${attempt}`;
  if (!causes.has(key)) {
    const job =
      Bun.which("scontrol", { PATH: env.PATH ?? "" }) || Bun.which("sacct", { PATH: env.PATH ?? "" })
        ? jobState(jobId, env, { count: attempt, live: false })
        : null;
    causes.set(key, job && job !== "unknown" ? statusOfJobState(job.state) : null);
  }
  return causes.get(key) ?? null;
}
