/**
 * A point of a Slurm sweep that Slurm ended before its run began is written so into its run file,
 * by the reader that asked Slurm (ls, brief, wait, sweep --wait): a run_end after its queued
 * run_start, as a run's end is recorded, so it reads the same once Slurm has forgotten the job,
 * on a machine without Slurm, and after a push and pull.
 *
 * Race-safe against its task starting at the same moment: the run_end is appended to the very
 * file the reader read as queued (same inode, still its run_start alone, checked under a lock file
 * that keeps two readers from both appending), never written by replacing it. A task's `exprag
 * run` replaces the file by a rename (src/core/record/writer.ts): a run_end appended before that
 * goes with the replaced file, and a task that starts after it still takes the file's place.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VERSION } from "../../version";
import { MAX_QUEUED_BYTES, queuedFileLines } from "../record/queued-file";
import { type RunEndValue, SCHEMA_VERSION } from "../record/schema";

/** A lock file older than this was left by a reader that died: removed, for the next reader to write. */
const STALE_LOCK_MS = 30_000;

/**
 * Appends `end` to run `runId`'s file at `file`, when it still is the queued file the reader has
 * open as `readFd`; true when written. Any failure (a read-only store, a task that took the
 * file's place, another reader writing it now) leaves the file as it was.
 */
export function recordQueuedEnd(file: string, readFd: number, runId: string, end: RunEndValue): boolean {
  const lock = join(dirname(file), `.${basename(file)}.ending`);
  try {
    closeSync(openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
    } catch {}
    return false;
  }
  try {
    return appendEnd(file, readFd, runId, end);
  } catch {
    return false;
  } finally {
    rmSync(lock, { force: true });
  }
}

function appendEnd(file: string, readFd: number, runId: string, end: RunEndValue): boolean {
  const fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW);
  try {
    const read = fstatSync(readFd);
    const now = fstatSync(fd);
    if (!now.isFile() || now.dev !== read.dev || now.ino !== read.ino || now.size > MAX_QUEUED_BYTES) return false;
    const text = Buffer.allocUnsafe(now.size);
    if (readSync(fd, text, 0, now.size, 0) !== now.size) return false;
    const queued = queuedFileLines(text.toString("utf8"), runId);
    if (!queued || queued.ended) return false;
    const line = runEndLine(runId, queued.start.experiment_name, end);
    try {
      if (writeSync(fd, line) === line.length) return true;
    } catch {}
    // A short write (a full disk) is taken back: the file stays its queued run_start alone.
    ftruncateSync(fd, now.size);
    return false;
  } finally {
    closeSync(fd);
  }
}

/** A run_end record written by another process than the run's writer, as its line. */
export function runEndLine(runId: string, experimentName: unknown, end: RunEndValue): Buffer {
  const record = {
    schema_version: SCHEMA_VERSION,
    exprag_version: VERSION,
    run_id: runId,
    experiment_name: typeof experimentName === "string" ? experimentName : "",
    kind: "run_end",
    value: end,
    created_at: new Date().toISOString(),
    elapsed_ms: 0,
  };
  return Buffer.from(`${JSON.stringify(record)}\n`);
}
