/**
 * A Slurm sweep's point is pushed like a running run: first its queued file (src/core/record/
 * queued-file.ts), later the run its task recorded in that file's place, which does not extend
 * the queued file but replaces it. A pull takes that replacement over a queued copy here, and
 * keeps a run here over a queued copy the remote still has: the run supersedes its queued point.
 */
import { closeSync, fstatSync, readSync } from "node:fs";
import { MAX_QUEUED_BYTES, queuedFileLines } from "../record/queued-file";
import { openRegularFile, readRunStart } from "../record/reader";

/** `superseded`: the pulled file is the run that took the place of the queued point here; `stale`: the other way round; null: neither. */
export function queuedOrder(local: string, pulled: string, runId: string): "superseded" | "stale" | null {
  const [localQueued, pulledQueued] = [isQueued(local, runId), isQueued(pulled, runId)];
  if (localQueued && !pulledQueued && isStartedRun(pulled, runId)) return "superseded";
  if (pulledQueued && !localQueued && isStartedRun(local, runId)) return "stale";
  return null;
}

function isQueued(file: string, runId: string): boolean {
  const fd = openRegularFile(file);
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_QUEUED_BYTES) return false;
    const text = Buffer.allocUnsafe(size);
    return readSync(fd, text, 0, size, 0) === size && queuedFileLines(text.toString("utf8"), runId) !== null;
  } finally {
    closeSync(fd);
  }
}

/** Whether the file is run `runId` as its own exprag run wrote it: a run_start not marked queued. */
function isStartedRun(file: string, runId: string): boolean {
  const start = readRunStart(file);
  const value = start?.value as { queued?: unknown } | undefined;
  return start?.kind === "run_start" && start.run_id === runId && typeof value === "object" && value !== null && value.queued === undefined;
}
