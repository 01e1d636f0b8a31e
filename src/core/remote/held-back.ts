/**
 * When a pulled run must not touch the store's copy, though it extends it: a run whose writer
 * still lives (a live `exprag run` appends to the file; a rename over it would send every later
 * record to an unlinked file), a run this store recorded (only its own writer extends it), and
 * a remote version that adds records after a run_end (a finished run is never extended).
 */
import { hostname } from "node:os";
import { relative } from "node:path";
import { liveness } from "../os/processes";
import { decodeRunStart } from "../record/decode";
import { forEachLine, readRunStart } from "../record/reader";

/** Why the store's copy of a run must not be replaced by a longer one; null when it may. */
export function ownedHere(localRun: string, store: string): string | null {
  let started: ReturnType<typeof decodeRunStart>["process"];
  try {
    const start = readRunStart(localRun);
    if (start === null) return null;
    started = decodeRunStart(start).process;
  } catch {
    return null;
  }
  const identity = started.started;
  if (identity === null || identity.host !== hostname()) return null;
  if (liveness(identity) === "alive") return "its run is still being written here";
  if (started.cwd !== null && isInside(started.cwd, projectOf(store))) return "this store recorded it";
  return null;
}

/** The folder a store serves: `<project>/.exprag` serves `<project>`. */
const projectOf = (store: string) => store.replace(/\/[^/]+\/?$/, "") || "/";

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
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
    if (text !== null && text.includes('"run_end"')) ended = isRunEnd(text);
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
