/**
 * When a pulled run must not touch the store's copy, though it extends it: a run whose writer
 * still lives (a live `exprag run` appends to the file; a rename over it would send every later
 * record to an unlinked file), a run this store recorded (only its own writer extends it), and
 * a remote version that adds records after a run_end (a finished run is never extended).
 */
import { hostname } from "node:os";
import { liveness } from "../os/processes";
import { decodeRunStart, type RunStart } from "../record/decode";
import { projectOf, recordedElsewhere } from "../record/provenance";
import { forEachLine, readRunStart } from "../record/reader";

/** Why the store's copy of a run must not be replaced by a longer one; null when it may. */
export function ownedHere(localRun: string, store: string): string | null {
  let start: RunStart;
  try {
    const record = readRunStart(localRun);
    if (record === null) return null;
    start = decodeRunStart(record);
  } catch {
    return null;
  }
  const identity = start.process.started;
  if (identity !== null && identity.host === hostname() && liveness(identity) === "alive") return "its run is still being written here";
  if (identity !== null && recordedElsewhere(start, [projectOf(store)]) === null) return "this store recorded it";
  return null;
}

/** Whether a run file holds any record after its run_end (read line by line, bounded memory). */
export function recordsAfterEnd(file: string): boolean {
  let ended = false;
  let after = false;
  forEachLine(file, (text) => {
    if (ended) {
      after = true;
      return false;
    }
    // Read whole where the kind may be run_end: as written, or spelled with escapes ("run\u005fend"), which readers decode alike.
    if (text && (text.includes('"run_end"') || text.includes("\\u"))) ended = isRunEnd(text);
    return undefined;
  });
  return after;
}

function isRunEnd(text: string): boolean {
  try {
    return (JSON.parse(text) as { kind?: unknown }).kind === "run_end";
  } catch {
    return false;
  }
}
