/**
 * Giving back a run's code: checkout (in place, or into a new worktree), diff between runs or
 * against the work tree, and removal of snapshot refs whose run is gone. A run's code is its
 * recorded commit, never a branch tip: a clean run's branch may have moved since.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { EXIT, UserError } from "../errors";
import { EMPTY_TREE, FALLBACK_REF_PREFIX, type Git, type GitCapture, GitError, openRepository, type Repository, SNAPSHOT_BRANCH_PREFIX, writeWorkTree } from "./capture";
import { listRunIds, resolveRunRef, RUN_ID, shortId } from "../record/refs";
import { readRunStart } from "../record/reader";
import { join } from "node:path";
import { runFilePath, STORE_DIR_NAME } from "../store";

export interface RunCode {
  runId: string;
  commit: string;
}

export function openRepositoryOrFail(cwd: string, env: NodeJS.ProcessEnv): { git: Git; repo: Repository } {
  const opened = openRepository(cwd, env);
  if (typeof opened === "string") throw new UserError(`${opened}`, EXIT.failure, "run this inside the repository the runs were recorded in");
  return opened;
}

/** The recorded commit of a run, checked to exist in this repository. */
export function runCode(git: Git, store: string, reference: string, warn: (message: string) => void = () => {}): RunCode {
  const { runId, file } = resolveRunRef(store, reference);
  const start = readRunStart(file);
  const recorded = (start?.value as { git?: { commit?: unknown; note?: string; dirty?: unknown; snapshot_ref?: unknown } } | undefined)?.git;
  const commit = recorded?.commit;
  if (typeof commit !== "string") {
    const why = recorded?.note ?? "no git state was recorded";
    throw new UserError(`run ${shortId(runId)} has no recorded commit (${why})`, EXIT.failure);
  }
  if (recorded?.dirty === true && !recorded.snapshot_ref) {
    warn(`run ${shortId(runId)} had uncommitted changes that were not snapshotted (${recorded.note ?? "--no-snapshot"}): this is its HEAD, without them`);
  }
  if (git.run(["cat-file", "-e", `${commit}^{commit}`]).code !== 0) {
    throw new UserError(`commit ${commit.slice(0, 12)} of run ${shortId(runId)} is not in this repository`, EXIT.failure, "was its run/ branch deleted, or is this another clone?");
  }
  return { runId, commit };
}

/** Tracked changes in the work tree (untracked files do not count; git refuses on its own if they are in the way). */
export function hasUncommittedChanges(git: Git): boolean {
  const status = git.run(["status", "--porcelain", "--untracked-files=no"]);
  return status.code !== 0 || status.stdout.length > 0;
}

/**
 * Runs git for the user to watch: its output goes to stderr (exprag's stdout carries data only),
 * or to stdout when `output` is "data" (a diff). Fails with git's exit code.
 */
export function gitCommand(git: Git, args: string[], output: "messages" | "data" = "messages"): void {
  const out = output === "data" ? "inherit" : 2;
  const result = Bun.spawnSync(["git", ...args], { cwd: git.cwd, stdio: ["inherit", out, 2] });
  if (result.exitCode !== 0) throw new UserError(`git ${args[0]} failed (exit ${result.exitCode})`, EXIT.failure);
}

/**
 * The work tree as it is now, untracked files included, for `exprag diff <run>`; like a snapshot,
 * it leaves out (unread) what a snapshot leaves out, and says which files those are.
 */
export function currentTree(git: Git, repo: Repository, store: string, maxUntrackedBytes: number): { tree: string; skipped: GitCapture["skipped"] } {
  try {
    const state = writeWorkTree(git, repo, { name: `diff-${process.pid}`, store, maxUntrackedBytes });
    return { tree: state.tree ?? EMPTY_TREE, skipped: state.skipped };
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new UserError(`cannot read the work tree: ${error.message}`, EXIT.failure);
  }
}

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
  if (known.size === 0) throw new UserError(`no runs in ${store} or any worktree's store; refusing to call every snapshot orphaned`, EXIT.failure, "point --dir at the store the runs were recorded in");
  return listed
    .split("\n")
    .filter(Boolean)
    .map((ref) => ({ ref, runId: ref.slice(ref.lastIndexOf("/") + 1) }))
    .filter(({ runId }) => RUN_ID.test(runId))
    .filter(({ runId }) => !known.has(runId) && !stores.some((dir) => existsSync(runFilePath(dir, runId))));
}

/**
 * Temporary indexes a killed run left in the git directory (`exprag-<id>.index`), older than an
 * hour, so none belongs to a run still reading its work tree.
 */
export function staleTemporaryIndexes(repo: Repository, now = Date.now()): string[] {
  return readdirSync(repo.gitDir)
    .filter((name) => /^exprag-.*\.index(\.lock)?$/.test(name))
    .map((name) => join(repo.gitDir, name))
    .filter((path) => now - statSync(path).mtimeMs > 3600_000);
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
