/**
 * Deleting runs: each run file, its log, and its snapshot ref (only exprag's own ref for that
 * run). One run that cannot be deleted does not stop the others; what failed is said per run.
 */
import { existsSync, rmSync } from "node:fs";
import { keptOutputsDir } from "../context/outputs";
import { errnoReason, UserError } from "../errors";
import { seriesCache } from "../query/series-cache";
import { annotationsPath, legacyAnnotationsPath } from "../record/annotations";
import { decodeRunStart } from "../record/decode";
import { readRunStart } from "../record/reader";
import type { RunLocation } from "../record/refs";
import { runLogPath, storeFolder } from "../store";
import { RUNS_PREFIX, SNAPSHOTS_PREFIX } from "./ref-names";
import type { Git } from "./repository";
import { ownSnapshotRef, removeSnapshotRefs } from "./snapshot-refs";

export interface Removal {
  runId: string;
  /** What could not be deleted, each with why; empty when the whole run is gone. */
  failures: string[];
  /** The snapshot ref kept (checked out, or committed on since), with why. */
  keptRef: { ref: string; reason: string } | null;
}

export function removeRun(store: string, { runId, file }: RunLocation, git: Git | null): Removal {
  const removal: Removal = { runId, failures: [], keptRef: null };
  let ref: { ref: string; at: string } | null = null;
  try {
    const start = readRunStart(file);
    const recorded = start ? decodeRunStart(start).git : null;
    const own = ownSnapshotRef(runId, recorded?.snapshot_ref ?? null);
    // Deleted only while it holds the snapshot: a branch someone committed on is theirs now.
    if (own !== null && recorded?.commit) ref = { ref: own, at: recorded.commit };
  } catch {
    // an unreadable run file names no ref; it is still deleted
  }
  // The refs push and pull keep for the run go with it.
  const shared = git
    ? git
        .run(["for-each-ref", "--format=%(refname)", `${RUNS_PREFIX}${runId}`, `${SNAPSHOTS_PREFIX}${runId}`])
        .stdout.toString()
        .split("\n")
        .filter(Boolean)
    : [];
  if (git && (ref || shared.length)) {
    const refs = removeSnapshotRefs(git, [...(ref ? [ref] : []), ...shared]);
    removal.keptRef = refs.kept[0] ?? null;
    for (const failed of refs.failed) removal.failures.push(`its snapshot ref ${failed.ref} (${failed.reason})`);
  }
  for (const path of [file, runLogPath(store, runId), annotationsPath(file), legacyAnnotationsPath(file)]) {
    try {
      rmSync(path, { force: true });
    } catch (error) {
      removal.failures.push(`${path} (${errnoReason(error)})`);
    }
  }
  // Its series cache entry too (written when the question that deletes it is answered).
  seriesCache(store).forget(runId);
  // The outputs --keep-outputs copied go with it too (a folder only exprag makes, named by the run's id), never through a link.
  try {
    if (existsSync(keptOutputsDir(store, runId))) {
      storeFolder(store, "outputs");
      rmSync(keptOutputsDir(store, runId), { force: true, recursive: true });
    }
  } catch (error) {
    const why = error instanceof UserError ? "the store's outputs folder is a symbolic link, which exprag goes through never" : errnoReason(error);
    removal.failures.push(`${keptOutputsDir(store, runId)} (${why})`);
  }
  return removal;
}
