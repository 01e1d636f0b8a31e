/**
 * Where runs live in git, on a remote and here: one ref per run under `refs/exprag/runs/`, whose
 * commits hold the run's files under fixed names; snapshots of dirty runs under
 * `refs/exprag/snapshots/` (so a remote's branch list is not flooded with `run/*`); what the last
 * pull fetched under `refs/exprag/fetched/`.
 */
export const RUNS_PREFIX = "refs/exprag/runs/";
export const SNAPSHOTS_PREFIX = "refs/exprag/snapshots/";
export const FETCHED_RUNS_PREFIX = "refs/exprag/fetched/runs/";
export const FETCHED_SNAPSHOTS_PREFIX = "refs/exprag/fetched/snapshots/";

/** A run's files in its commits' trees, by what they are. */
export const TREE_NAMES = { run: "run.jsonl", log: "output.log", annotations: "annotations.jsonl" } as const;
export type RunFileKind = keyof typeof TREE_NAMES;
export const FILE_KINDS = Object.keys(TREE_NAMES) as RunFileKind[];

/** Who makes the run commits: never the user, never signed. */
export const RUN_COMMIT_IDENTITY = "exprag <exprag@localhost>";
