/** The run a new run builds on (`--from RUN`, `--from kept`). */

import { usageError } from "../errors";
import { readAnnotations } from "../record/annotations";
import { listRunIds, resolveReadableRun } from "../record/refs";
import { runFilePath } from "../store";

/** The word `--from` takes for the latest kept run. */
export const KEPT = "kept";

/** The newest run whose standing decision is keep; null when none is kept. */
export function latestKeptRun(store: string): string | null {
  const ids = listRunIds(store);
  for (let i = ids.length - 1; i >= 0; i--) if (readAnnotations(runFilePath(store, ids[i]!)).decision?.decision === "keep") return ids[i]!;
  return null;
}

/** The full id `--from` names: a run reference, or `kept`. */
export function resolveFrom(store: string, reference: string): string {
  if (reference !== KEPT) return resolveReadableRun(store, reference).runId;
  const kept = latestKeptRun(store);
  if (kept === null) throw usageError("--from kept: no run is kept yet", "keep one first (exprag keep RUN), or name the run: --from RUN");
  return kept;
}
