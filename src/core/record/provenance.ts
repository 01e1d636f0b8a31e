/**
 * Where a run was recorded, as far as this host can tell: here (this host, in a folder this store
 * serves), or elsewhere (another host, or another clone whose run was pulled). A run from
 * elsewhere is someone else's word: its command is not run, nor its file extended, unasked.
 */
import { hostname } from "node:os";
import { isAbsolute, relative, sep } from "node:path";
import type { RunStart } from "./decode";

/**
 * Null for a run recorded on this host in one of `places` (the folder the store serves, the
 * repository's worktrees); else where it was recorded, in words ("on host gpu-7").
 */
export function recordedElsewhere(start: RunStart, places: string[]): string | null {
  const host = start.process.started?.host ?? start.host.hostname ?? null;
  if (host !== hostname()) return host === null ? "on an unnamed host" : `on host ${host}`;
  const cwd = start.process.cwd;
  // exprag records an absolute folder: a relative one ("." resolves to wherever this runs) was written by hand.
  if (cwd !== null && isAbsolute(cwd) && places.some((place) => isInside(cwd, place))) return null;
  return `in ${cwd ?? "an unrecorded folder"}, which this store does not serve (a pulled run)`;
}

/** The folder a store serves: `<project>/.exprag` serves `<project>`. */
export const projectOf = (store: string) => store.replace(/\/[^/]+\/?$/, "") || "/";

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
