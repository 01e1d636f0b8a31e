import type { GitRecord } from "../record/schema";

/** The git record before anything is read; with `note`, the record of a run whose code could not be read (and why). */
export function emptyGitRecord(note?: string): GitRecord {
  return {
    commit: null,
    tree: null,
    branch: null,
    head: null,
    dirty: null,
    snapshot_ref: null,
    status: { lines: [], total: 0 },
    skipped: [],
    submodules: [],
    ...(note !== undefined && { note }),
  };
}
