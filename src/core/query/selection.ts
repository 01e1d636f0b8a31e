/** Which runs a command looks at: the ones named on the command line, or the newest. */
import { listRunIds, resolveRunRef } from "../record/refs";

/** Runs named on the command line, or the newest `fallbackLimit` runs. */
export function selectRuns(store: string, references: string[], fallbackLimit: number): string[] {
  if (references.length) return references.map((reference) => resolveRunRef(store, reference).runId);
  return listRunIds(store).reverse().slice(0, fallbackLimit);
}
