/**
 * A pulled run's files, from the fetched objects to this store: streamed into the staging store,
 * then put in place one run at a time (a file that grew here, or differs, is kept and said so).
 */
import { statSync } from "node:fs";
import { errnoReason } from "../errors";
import type { Git } from "../git/repository";
import { settleAnnotations } from "../record/annotations";
import { whyNotARun } from "../record/refs";
import { type BlobJob, streamBlobs } from "./batch";
import { ownedHere, recordsAfterEnd } from "./held-back";
import { discard, mergeAnnotations, type Placement, placeFile, type Staging } from "./incoming";
import { type RunFileKind, TREE_NAMES } from "./layout";
import type { TreeEntries } from "./objects";
import { queuedOrder } from "./queued-points";
import { runFilePaths } from "./run-files";
import type { RunRef } from "./run-refs";

/** A run the remote has that this store lacks or has shorter. */
export interface Candidate {
  runId: string;
  remote: RunRef;
  entries: TreeEntries;
  /** What to write: always the run file (the selection reads it), then what differs here. */
  kinds: RunFileKind[];
}

const STAGED_NAME: Record<RunFileKind, (runId: string) => string> = {
  run: (id) => `${id}.jsonl`,
  log: (id) => `${id}.log`,
  annotations: (id) => `${id}.annotations.jsonl`,
};

/** Writes the blobs of these kinds the candidates need into the staging store, in one stream, one file open at a time. */
export async function stage(git: Git, staging: Staging, candidates: Candidate[], kinds: RunFileKind[]): Promise<void> {
  const jobs: BlobJob[] = candidates.flatMap((candidate) =>
    candidate.kinds
      .filter((kind) => kinds.includes(kind))
      .map((kind) => ({ id: candidate.entries.get(TREE_NAMES[kind])!, open: () => staging.create(STAGED_NAME[kind](candidate.runId)) })),
  );
  await streamBlobs(git, jobs);
}

export interface Applied {
  placements: Partial<Record<RunFileKind, Placement>>;
  written: RunFileKind[];
  kept: string | null;
}

/** Puts one run's staged files in place: the log and annotations first, the run file last, so the run appears whole. */
export function apply(staging: Staging, store: string, candidate: Candidate): Applied {
  const { runId } = candidate;
  const targets = runFilePaths(store, runId);
  const applied: Applied = { placements: {}, written: [], kept: null };
  const problems: string[] = [];
  const stagedRun = staging.path(STAGED_NAME.run(runId));
  // An empty file or one without run_start: every reader here would skip it, warning each time.
  const noRun = whyNotARun(stagedRun) ?? (statSync(stagedRun).size === 0 ? "it is empty" : null);
  if (noRun !== null) {
    for (const kind of candidate.kinds) discard(staging.path(STAGED_NAME[kind](runId)));
    applied.kept = `the remote's run file holds no run (${noRun}); not pulled`;
    return applied;
  }
  if (recordsAfterEnd(stagedRun)) {
    for (const kind of candidate.kinds) discard(staging.path(STAGED_NAME[kind](runId)));
    applied.kept = "the remote's version adds records after its run_end; kept aside, this store's copy is unchanged";
    return applied;
  }
  let held: string | null | undefined;
  const mayGrow = () => {
    held ??= ownedHere(targets.run, store);
    return held === null;
  };
  for (const kind of ["log", "annotations", "run"] as const) {
    if (!candidate.kinds.includes(kind)) continue;
    const staged = staging.path(STAGED_NAME[kind](runId));
    try {
      if (kind === "annotations") {
        if (mergeAnnotations(staged, settleAnnotations(targets.run)) > 0) applied.written.push(kind);
        continue;
      }
      const placement = placeFile(staged, targets[kind], mayGrow, () => (kind === "run" ? queuedOrder(targets.run, staged, runId) : null));
      applied.placements[kind] = placement;
      if (placement === "new" || placement === "grown") applied.written.push(kind);
      if (placement === "diverged")
        problems.push(`its ${kind === "run" ? "run file" : "output log"} here differs from the remote's and neither extends the other`);
      const heldBack = `${held}: the remote's longer version was kept aside`;
      if (placement === "held" && !problems.includes(heldBack)) problems.push(heldBack);
      if (placement === "not a regular file") problems.push(`${targets[kind]} is not a regular file`);
    } catch (error) {
      problems.push(`${targets[kind]} could not be written (${errnoReason(error)})`);
    } finally {
      discard(staged);
    }
  }
  if (problems.length) {
    const file = applied.placements.run === "diverged" ? targets.run : applied.placements.log === "diverged" ? targets.log : null;
    applied.kept = `${problems.join("; ")}: kept this store's${file ? ` (to take the remote's instead, move ${file} aside and pull again)` : ""}`;
  }
  return applied;
}
