/** The end of a run's captured output (`<run_id>.log`): its last lines, as text. */
import { closeSync, existsSync, fstatSync } from "node:fs";
import { EXIT, errnoReason, UserError } from "../errors";
import { forEachChunk, lastLinesOffset, openRegularFile } from "../record/reader";
import { resolveRunRef, shortId, whyNotARun } from "../record/refs";
import { arrayTasks } from "../slurm/queued";
import { runFilePath, runLogPath } from "../store";
import { readRunSummary } from "./summary";

export interface LogTail {
  run_id: string;
  /** The log file. */
  log: string;
  /** The text of the last lines (invalid UTF-8 replaced by U+FFFD), and how many lines it holds. */
  text: string;
  lines: number;
  /** Whether the lines asked for held more than `maxBytes`, so only the whole lines of their end are here. */
  truncated: boolean;
}

/** The last `lines` lines of the run's log (all of it for Infinity), at most `maxBytes` of them (their end). */
export function readLogTail(store: string, reference: string, lines: number, maxBytes: number): LogTail {
  const { runId } = resolveRunRef(store, reference);
  const file = runLogPath(store, runId);
  if (!existsSync(file)) throw noLogError(store, runId);
  let fd: number;
  try {
    // Never through a link: a log a copied store links to ~/.ssh would print it.
    fd = openRegularFile(file, false);
  } catch (error) {
    throw new UserError(`cannot read ${file} (${errnoReason(error)})`, EXIT.failure);
  }
  const chunks: Buffer[] = [];
  let truncated = false;
  try {
    const start = Number.isFinite(lines) ? lastLinesOffset(fd, lines) : 0;
    const end = Math.max(start, fstatSync(fd).size);
    const from = end - start > maxBytes ? end - maxBytes : start;
    truncated = from > start;
    forEachChunk(fd, (bytes) => chunks.push(Buffer.from(bytes)), from);
  } finally {
    closeSync(fd);
  }
  let bytes = Buffer.concat(chunks);
  // Cut inside a line: start at the next whole one.
  if (truncated && bytes.indexOf(10) >= 0) bytes = bytes.subarray(bytes.indexOf(10) + 1);
  const text = bytes.toString();
  const count = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  return { run_id: runId, log: file, text, lines: count, truncated };
}

/**
 * Whether `log --follow` may wait for run `runId`'s output to appear: it waits in Slurm's queue,
 * and Slurm answers here. Where Slurm cannot be asked (no scontrol: another machine, a pulled
 * store), nothing would tell that its task started or ended: that fails at once, not waiting for ever.
 */
export function followableQueued(store: string, runId: string): boolean {
  const { summary, start } = summaryOrNone(store, runId);
  if (!start?.queued || summary?.status !== "pending") return false;
  if (arrayTasks(start.queued.jobId, process.env) !== null) return true;
  throw new UserError(
    `run ${shortId(runId)} waits in Slurm's queue, but Slurm cannot be asked here (no scontrol, or it did not answer): nothing would tell when it starts`,
    EXIT.failure,
    "follow it where Slurm's commands work",
  );
}

/** Why run `runId` has no output log: it waits in Slurm's queue, it never began or never started its command, or no log was kept. */
export function noLogError(store: string, runId: string): UserError {
  const short = shortId(runId);
  const { summary, start } = summaryOrNone(store, runId);
  if (start?.queued && summary?.status === "pending")
    return new UserError(
      `run ${short} has not started yet (it waits in Slurm's queue): no output yet`,
      EXIT.failure,
      `exprag log ${short} --follow waits for it`,
    );
  if (start?.queued && summary)
    return new UserError(`run ${short} never began (${summary.status}${summary.error ? `: ${summary.error}` : ""}): it has no output`, EXIT.failure);
  const file = runFilePath(store, runId);
  const why = start ? null : whyNotARun(file);
  if (why !== null) return new UserError(`run ${short} has no output log, and ${file} is not a readable run file (${why})`, EXIT.failure);
  // A run_end with no duration: its command never ran (not found, or stopped before it started).
  if (summary && summary.exit_code !== null && summary.duration_ms === null)
    return new UserError(`run ${short} never started its command${summary.error ? ` (${summary.error})` : ""}: it has no output`, EXIT.failure);
  return new UserError(
    `run ${short} kept no output log (it ran with --no-log, or not under exprag run: a Python Experiment, the original exprag)`,
    EXIT.failure,
  );
}

/** The run's summary and start, or none when its file cannot be read: asking why there is no log never fails itself. */
function summaryOrNone(store: string, runId: string): ReturnType<typeof readRunSummary> {
  try {
    return readRunSummary(store, runId, () => {}, false);
  } catch {
    return { summary: null, start: null };
  }
}
