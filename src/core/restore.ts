/**
 * Giving back a run's code: checkout (in place, or into a new worktree), diff between runs or
 * against the work tree, and removal of snapshot refs whose run is gone. A run's code is its
 * recorded commit, never a branch tip: a clean run's branch may have moved since.
 */
import { existsSync } from "node:fs";
import { EXIT, UserError } from "./errors";
import { EMPTY_TREE, FALLBACK_REF_PREFIX, type Git, type GitCapture, openRepository, type Repository, SNAPSHOT_BRANCH_PREFIX, writeWorkTree } from "./git";
import { listRunIds, readRunStart, resolveRunRef, shortId } from "./run-ref";
import { runFilePath } from "./store";

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
export function runCode(git: Git, store: string, reference: string): RunCode {
  const { runId, file } = resolveRunRef(store, reference);
  const start = readRunStart(file);
  const recorded = (start?.value as { git?: { commit?: unknown; note?: string } } | undefined)?.git;
  const commit = recorded?.commit;
  if (typeof commit !== "string") {
    const why = recorded?.note ?? "no git state was recorded";
    throw new UserError(`run ${shortId(runId)} has no recorded commit (${why})`, EXIT.failure);
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
  const state = writeWorkTree(git, repo, { name: `diff-${process.pid}`, store, maxUntrackedBytes });
  return { tree: state.tree ?? EMPTY_TREE, skipped: state.skipped };
}

export interface SnapshotRef {
  ref: string;
  runId: string;
}

/** Snapshot refs (`run/<id>` branches and fallback refs) whose run file is gone from the store. */
export function orphanedSnapshotRefs(git: Git, store: string): SnapshotRef[] {
  const listed = git.text(["for-each-ref", "--format=%(refname)", `refs/heads/${SNAPSHOT_BRANCH_PREFIX}`, FALLBACK_REF_PREFIX]);
  const known = new Set(listRunIds(store));
  return listed
    .split("\n")
    .filter(Boolean)
    .map((ref) => ({ ref, runId: ref.slice(ref.lastIndexOf("/") + 1) }))
    .filter(({ runId }) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(runId))
    .filter(({ runId }) => !known.has(runId) && !existsSync(runFilePath(store, runId)));
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
