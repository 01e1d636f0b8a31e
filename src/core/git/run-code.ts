/**
 * The git code a run needs inside a work tree: reading the code, placing its snapshot, taking the
 * snapshot back. A run loads it only where a work tree can be (open-run.ts); outside one a run
 * loads no git code at all.
 */
export { captureGit, captureGitWhile, placeCode } from "./capture";
export { discardSnapshot } from "./snapshot-refs";
