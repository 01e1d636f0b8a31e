/** The run a new run builds on (`--from RUN`, `--from kept`). */

import { usageError } from "../errors";
import { AnnotationListing, readAnnotations } from "../record/annotations";
import { listRunIds, resolveReadableRun } from "../record/refs";
import { runFilePath } from "../store";

/** The word `--from` takes for the run kept last. */
export const KEPT = "kept";

/**
 * The run kept last: of the runs whose standing decision is keep, the one whose keep was made
 * latest (of two kept at one moment, the newer run); null when none is kept.
 */
export function latestKeptRun(store: string): string | null {
  const listing = new AnnotationListing(store);
  let kept: { runId: string; at: string } | null = null;
  for (const runId of listRunIds(store)) {
    const decision = readAnnotations(runFilePath(store, runId), [], listing).decision;
    if (decision?.decision === "keep" && (kept === null || decision.created_at >= kept.at)) kept = { runId, at: decision.created_at };
  }
  return kept?.runId ?? null;
}

/** The full id `--from` names: a run reference, or `kept`. */
export function resolveFrom(store: string, reference: string): string {
  if (reference !== KEPT) return resolveReadableRun(store, reference).runId;
  const kept = latestKeptRun(store);
  if (kept === null) throw usageError("--from kept: no run is kept yet", "keep one first (exprag keep RUN), or name the run: --from RUN");
  return kept;
}
