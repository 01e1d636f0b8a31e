/**
 * What a pushed run's commits hold: the run's files under fixed names, made by exprag's own
 * identity. The refs they sit on are named in ../git/ref-names.ts.
 */

/** A run's files in its commits' trees, by what they are. */
export const TREE_NAMES = { run: "run.jsonl", log: "output.log", annotations: "annotations.jsonl" } as const;
export type RunFileKind = keyof typeof TREE_NAMES;
export const FILE_KINDS = Object.keys(TREE_NAMES) as RunFileKind[];

/** Who makes the run commits: never the user, never signed. */
export const RUN_COMMIT_IDENTITY = "exprag <exprag@localhost>";
