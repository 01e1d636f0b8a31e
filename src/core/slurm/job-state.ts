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
 * The state of a job from `scontrol show job -o` (one line of Key=Value pairs). While its processes
 * are being ended Slurm shows only COMPLETING, whatever ended it; then the cause is read from the
 * rest: a run time that reached the time limit is TIMEOUT, a preemption time is PREEMPTED, and
 * otherwise Slurm is ending a job before its time: CANCELLED (scancel).
 */
export function parseScontrolJob(text: string, attempt: number | null = null): { state: string; reason: string | null } | null {
  const field = (name: string) => scontrolField(text, name);
  const shown = field("JobState");
  if (!shown) return null;
  // Restarted more often than the asking attempt knows: Slurm is requeueing it (it shows COMPLETING, then PENDING).
  const requeued = attempt !== null && Number(field("Restarts") ?? 0) > attempt && statusOfJobState(shown) === null;
  const state = requeued ? "REQUEUED" : shown === "COMPLETING" ? completingCause(field("RunTime"), field("TimeLimit"), field("PreemptTime")) : shown;
  return { state, reason: scontrolReason(text) };
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

/** `sacct -n -P -X -o State,Reason`: `STATE|REASON`, one line per job. */
export function parseSacct(text: string): { state: string; reason: string | null } | null {
  const line = text.split("\n").find((row) => row.trim() !== "");
  if (!line) return null;
  const [state, reason] = line.split("|");
  if (!state?.trim()) return null;
  const why = reason?.trim();
  return { state: state.trim(), reason: why && why !== "None" ? why : null };
}

function ask(command: string[], env: NodeJS.ProcessEnv): string | null {
  try {
    const result = Bun.spawnSync(command, { env, stdout: "pipe", stderr: "ignore", stdin: "ignore", timeout: ASK_TIMEOUT_MS });
    return result.exitCode === 0 ? result.stdout.toString() : null;
  } catch {
    return null;
  }
}

/**
 * What Slurm says ended job `jobId`: `scontrol show job` first, then `sacct` (where accounting
 * exists). Null when neither answers with a cause; a job still RUNNING is asked again briefly, since
 * a signal can arrive just before its state changes.
 */
export async function askSlurmWhyEnded(jobId: string, env: NodeJS.ProcessEnv, retries = 1): Promise<{ status: SchedulerEndStatus; end: SchedulerEnd } | null> {
  for (let attempt = 0; attempt <= retries; attempt++) {
    const job = jobState(jobId, env, Number(env.SLURM_RESTART_COUNT ?? 0) || 0);
    if (!job) return null;
    const status = statusOfJobState(job.state);
    if (status) return { status, end: { kind: "slurm", job_id: jobId, state: job.state, ...(job.reason && { reason: job.reason }) } };
    if (attempt < retries) await Bun.sleep(300);
  }
  return null;
}

/** `attempt`: the asking run's SLURM_RESTART_COUNT, to tell a requeue; null for a reader. */
function jobState(jobId: string, env: NodeJS.ProcessEnv, attempt: number | null = null): { state: string; reason: string | null } | null {
  const shown = parseScontrolJob(ask(["scontrol", "show", "job", "-o", jobId], env) ?? "", attempt);
  return shown ?? parseSacct(ask(["sacct", "-n", "-P", "-X", "-j", jobId, "-o", "State,Reason"], env) ?? "");
}

const causes = new Map<string, SchedulerEndStatus | null>();

/**
 * What ended the job of a run whose writer died without run_end (its node failed, it was killed
 * past the signal), when Slurm can still be asked and names a cause; asked once per job.
 */
export function slurmCauseOfDeath(jobId: string, env: NodeJS.ProcessEnv = process.env): SchedulerEndStatus | null {
  if (!/^\d+$/.test(jobId)) return null;
  if (!causes.has(jobId)) {
    const job = Bun.which("scontrol", { PATH: env.PATH ?? "" }) || Bun.which("sacct", { PATH: env.PATH ?? "" }) ? jobState(jobId, env) : null;
    causes.set(jobId, job && statusOfJobState(job.state));
  }
  return causes.get(jobId) ?? null;
}
