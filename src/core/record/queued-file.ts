/**
 * The run file of a Slurm sweep's point before its task's run began: its run_start marked `queued`,
 * written at submit, and a run_end after it, written once Slurm was seen to have ended the task
 * before its run began (src/core/slurm/queued-end.ts; two, when two readers raced past a stale lock). Its task's `exprag run` replaces
 * such a file whole by a rename (./writer.ts), also one with that run_end: a task that runs after
 * all (a requeue, a Slurm that forgot and remembered) is the truth.
 */
import { lstatSync, readFileSync, renameSync } from "node:fs";
import { isErrno } from "../errors";
import { placeNewFile } from "../os/files";

/** Larger than any queued point's file. */
export const MAX_QUEUED_BYTES = 1 << 20;

/** What a queued point's file text holds: its queued run_start, and whether run_end lines follow it; null when it is not one. */
export function queuedFileLines(text: string, runId: string): { start: Record<string, unknown>; ended: boolean } | null {
  const lines = text.split("\n");
  if (lines.at(-1) !== "" || lines.length < 2) return null;
  try {
    const start = JSON.parse(lines[0]!);
    if (start?.kind !== "run_start" || start.run_id !== runId || typeof start.value?.queued !== "object" || start.value.queued === null) return null;
    for (const line of lines.slice(1, -1)) {
      const end = JSON.parse(line);
      if (end?.kind !== "run_end" || end.run_id !== runId) return null;
    }
    return { start, ended: lines.length > 2 };
  } catch {
    return null;
  }
}

/** Whether `path` is the file of queued point `runId`, which its task's run may replace. */
export function isQueuedRunFile(path: string, runId: string): boolean {
  try {
    let stat = lstatSync(path);
    // Its submitter made it empty and is about to fill it: an older exprag's, or one where the file system has no hard links.
    for (let tries = 0; stat.isFile() && stat.size === 0 && tries < 100; tries++) {
      Bun.sleepSync(10);
      stat = lstatSync(path);
    }
    if (!stat.isFile() || stat.size > MAX_QUEUED_BYTES) return false;
    return queuedFileLines(readFileSync(path, "utf8"), runId) !== null;
  } catch {
    return false;
  }
}

/** Whether run `runId` may have its file at `path`: nothing is there, or its queued point's file. */
export const runFileFree = (path: string, runId: string): boolean => lstatSync(path, { throwIfNoEntry: false }) === undefined || isQueuedRunFile(path, runId);

/**
 * Gives run `runId`'s records, written at `staged`, the name `path`: never over a file, but over
 * its queued point's file, there before the run began or placed since (the submitter may write it
 * after the task started).
 */
export function placeRunFile(staged: string, path: string, runId: string): void {
  try {
    placeNewFile(staged, path);
  } catch (error) {
    if (!isErrno(error, "EEXIST") || !isQueuedRunFile(path, runId)) throw error;
    renameSync(staged, path);
  }
}
