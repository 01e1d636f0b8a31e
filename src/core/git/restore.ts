/**
 * Giving back a run's code: checkout (in place, or into a new worktree), and diff between runs
 * or against the work tree. A run's code is its recorded commit, never a branch tip: a clean
 * run's branch may have moved since.
 */
import { lstatSync } from "node:fs";
import { join } from "node:path";
import { EXIT, errnoReason, UserError } from "../errors";
import { somethingAt } from "../os/files";
import { decodeRunStart } from "../record/decode";
import { readRunStart } from "../record/reader";
import { resolveReadableRun, shortId } from "../record/refs";
import type { SkippedFile } from "../record/schema";
import { firstLine, type Git, GitError, type Repository } from "./repository";
import type { SnapshotLimits } from "./snapshot-limits";
import { EMPTY_TREE } from "./tree-object";
import { writeWorkTree } from "./work-tree";

export interface RunCode {
  runId: string;
  commit: string;
  /** HEAD when the run started: the parent of its snapshot, the commit itself for a clean run (null when not recorded). */
  head: string | null;
}

/** The recorded commit of a run, checked to exist in this repository. */
export function runCode(git: Git, store: string, reference: string, warn: (message: string) => void = () => {}): RunCode {
  const { runId, file } = resolveReadableRun(store, reference);
  let start: ReturnType<typeof readRunStart>;
  try {
    start = readRunStart(file);
  } catch (error) {
    throw new UserError(`cannot read ${file} (${errnoReason(error)})`, EXIT.failure);
  }
  const recorded = start ? decodeRunStart(start).git : null;
  if (!recorded?.commit) {
    const why = recorded?.note ?? "no git state was recorded";
    throw new UserError(`run ${shortId(runId)} has no recorded commit (${why})`, EXIT.failure);
  }
  const { commit } = recorded;
  if (recorded.dirty === true && !recorded.snapshot_ref) {
    warn(
      `run ${shortId(runId)} had uncommitted changes that were not snapshotted: ${recorded.note ?? "it ran with --no-snapshot; this is its HEAD, without them"}`,
    );
  }
  if (git.run(["cat-file", "-e", `${commit}^{commit}`]).code !== 0) {
    throw new UserError(
      `commit ${commit.slice(0, 12)} of run ${shortId(runId)} is not in this repository`,
      EXIT.failure,
      "was its run/ branch deleted, or is this another clone?",
    );
  }
  return { runId, commit, head: recorded.head };
}

/** Tracked changes in the work tree (untracked files do not count; git refuses on its own if they are in the way). */
export function hasUncommittedChanges(git: Git): boolean {
  const status = git.run(["status", "--porcelain", "--untracked-files=no"]);
  return status.code !== 0 || status.stdout.length > 0;
}

/**
 * The work tree as it is now, untracked files included, for `exprag diff <run>`; like a snapshot,
 * it leaves out (unread) what a snapshot leaves out, and says which files those are.
 */
export function currentTree(git: Git, repo: Repository, store: string, limits: SnapshotLimits): { tree: string; skipped: SkippedFile[] } {
  try {
    const state = writeWorkTree(git, repo, { name: `diff-${process.pid}`, store, ...limits });
    return { tree: state.tree ?? EMPTY_TREE, skipped: state.skipped };
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new UserError(`cannot read the work tree: ${error.message}`, EXIT.failure);
  }
}

/** The paths of the files a commit's tree holds. */
export function filesOfCommit(git: Git, commit: string): string[] {
  const inTree = git.run(["ls-tree", "-r", "-z", "--name-only", commit]);
  if (inTree.code !== 0) throw new GitError(`git ls-tree failed: ${firstLine(inTree.stderr)}`);
  return inTree.stdout.toString().split("\0").filter(Boolean);
}

/**
 * Paths the run's code holds that are in the work tree but not tracked (often ignored, such as
 * .env), and untracked files or links where the code has a folder: an in-place checkout would
 * overwrite or replace them, and going back would delete them.
 */
export function untrackedPathsInTheWay(git: Git, repo: Repository, commit: string): string[] {
  const files = filesOfCommit(git, commit);
  const tracked = git.run(["ls-files", "-z"]);
  if (tracked.code !== 0) throw new GitError(`git ls-files failed: ${firstLine(tracked.stderr)}`);
  const index = new Set(tracked.stdout.toString().split("\0"));
  const inTheWay: string[] = [];
  const foldersSeen = new Set<string>();
  for (const path of files) {
    if (!index.has(path) && somethingAt(join(repo.top, path))) inTheWay.push(path);
    // Each folder on the way once, deepest first: its parents were looked at with it.
    for (let end = path.lastIndexOf("/"); end > 0 && !foldersSeen.has(path.slice(0, end)); end = path.lastIndexOf("/", end - 1)) {
      const folder = path.slice(0, end);
      foldersSeen.add(folder);
      if (!index.has(folder) && notAFolder(join(repo.top, folder))) inTheWay.push(folder);
    }
  }
  return inTheWay;
}

/** Whether a file or a link (even one to a folder) is at `path`. */
function notAFolder(path: string): boolean {
  try {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return stat !== undefined && !stat.isDirectory();
  } catch {
    return false; // a file further up (told when that folder is looked at), or one not to be seen
  }
}
