/**
 * Snapshot refs: where a run's snapshot lives, and which of them exprag may delete (for `rm` and
 * `gc` alike): only its own refs, never one checked out in a worktree.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EXIT, UserError } from "../errors";
import { listRunIds, RUN_ID } from "../record/refs";
import { runFilePath, STORE_DIR_NAME } from "../store";
import { firstLine, type Git } from "./repository";

export const SNAPSHOT_BRANCH_PREFIX = "run/";
/** Where a snapshot goes when `refs/heads/run/<id>` cannot exist (a branch named `run`). */
export const FALLBACK_REF_PREFIX = "refs/exprag/run/";

export interface SnapshotRef {
  ref: string;
  runId: string;
}

/**
 * Snapshot refs (`run/<id>` branches and fallback refs) whose run is in none of the stores that
 * share them: this store and the default store of every worktree of the repository. With no run
 * in any of them (a wrong --dir, say), nothing is called orphaned.
 */
export function orphanedSnapshotRefs(git: Git, store: string): SnapshotRef[] {
  const listed = git.text(["for-each-ref", "--format=%(refname)", `refs/heads/${SNAPSHOT_BRANCH_PREFIX}`, FALLBACK_REF_PREFIX]);
  const worktrees = git
    .run(["worktree", "list", "--porcelain"])
    .stdout.toString()
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
    .map((line) => join(line.slice("worktree ".length), STORE_DIR_NAME));
  const stores = [store, ...worktrees];
  const known = new Set(stores.flatMap((dir) => listRunIds(dir)));
  if (known.size === 0)
    throw new UserError(
      `no runs in ${store} or any worktree's store; refusing to call every snapshot orphaned`,
      EXIT.failure,
      "point --dir at the store the runs were recorded in",
    );
  return listed
    .split("\n")
    .filter(Boolean)
    .map((ref) => ({ ref, runId: ref.slice(ref.lastIndexOf("/") + 1) }))
    .filter(({ runId }) => RUN_ID.test(runId))
    .filter(({ runId }) => !known.has(runId) && !stores.some((dir) => existsSync(runFilePath(dir, runId))));
}

/** Branches checked out in any worktree; they are never deleted. */
export function checkedOutBranches(git: Git): Set<string> {
  const listed = git.run(["worktree", "list", "--porcelain"]).stdout.toString();
  return new Set(
    listed
      .split("\n")
      .filter((line) => line.startsWith("branch "))
      .map((line) => line.slice("branch ".length)),
  );
}

/** The snapshot ref a run recorded, when it is one of exprag's own for that run (never a user's branch). */
export function ownSnapshotRef(runId: string, recorded: string | null): string | null {
  const ours = [`refs/heads/${SNAPSHOT_BRANCH_PREFIX}${runId}`, `${FALLBACK_REF_PREFIX}${runId}`];
  return recorded !== null && ours.includes(recorded) ? recorded : null;
}

export interface RefRemoval {
  deleted: string[];
  /** Kept on purpose (checked out in a worktree), with the reason. */
  kept: { ref: string; reason: string }[];
  /** Deleting failed, with git's words. */
  failed: { ref: string; reason: string }[];
}

/** Deletes snapshot refs, except those checked out in a worktree; `dryRun` only says what it would do. */
export function removeSnapshotRefs(git: Git, refs: string[], dryRun = false): RefRemoval {
  const inUse = refs.length ? checkedOutBranches(git) : new Set<string>();
  const removal: RefRemoval = { deleted: [], kept: [], failed: [] };
  for (const ref of refs) {
    if (inUse.has(ref)) {
      removal.kept.push({ ref, reason: "checked out" });
      continue;
    }
    const result = dryRun ? { code: 0, stderr: "" } : git.run(["update-ref", "-d", ref]);
    if (result.code === 0) removal.deleted.push(ref);
    else removal.failed.push({ ref, reason: firstLine(result.stderr) || `git update-ref exit ${result.code}` });
  }
  return removal;
}
