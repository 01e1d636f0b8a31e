/**
 * Every git ref exprag makes, in one place: what `run` writes, what `push` and `pull` keep, and
 * so what `rm` and `gc` may delete (only these, never another ref of the user's).
 *
 * - A dirty run's snapshot: the branch `run/<run_id>`, or `refs/exprag/run/<run_id>` when a
 *   branch named `run` makes that branch impossible.
 * - Pushed and pulled runs: `refs/exprag/runs/<run_id>`, one commit holding the run's files; their
 *   snapshots under `refs/exprag/snapshots/` (so a remote's branch list is not flooded with `run/*`).
 * - The project notes (`exprag note --project`): `refs/exprag/project/notes`, one commit holding
 *   project-notes.jsonl, each push's on top of the last.
 * - What the last pull fetched: the same under `refs/exprag/fetched/`.
 */

/** A snapshot's branch name, before the run id (as `refs/heads/run/<id>`). */
export const SNAPSHOT_BRANCH_PREFIX = "run/";
/** Where a snapshot goes when `refs/heads/run/<id>` cannot exist (a branch named `run`). */
export const FALLBACK_REF_PREFIX = "refs/exprag/run/";
export const RUNS_PREFIX = "refs/exprag/runs/";
export const SNAPSHOTS_PREFIX = "refs/exprag/snapshots/";
export const FETCHED_RUNS_PREFIX = "refs/exprag/fetched/runs/";
export const FETCHED_SNAPSHOTS_PREFIX = "refs/exprag/fetched/snapshots/";
export const PROJECT_PREFIX = "refs/exprag/project/";
export const FETCHED_PROJECT_PREFIX = "refs/exprag/fetched/project/";
/** The last part of the project notes' ref under PROJECT_PREFIX and FETCHED_PROJECT_PREFIX. */
export const PROJECT_NOTES_NAME = "notes";

/** The full ref of a run's snapshot branch. */
export const snapshotBranchRef = (runId: string) => `refs/heads/${SNAPSHOT_BRANCH_PREFIX}${runId}`;
