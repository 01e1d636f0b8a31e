/**
 * A run's code in a new git worktree beside the user's checkout, which stays as it is: the safe
 * way to restore a run. git's own output is kept, not shown; a refusal is git's first line.
 */
import { firstLine, type Git, GitError } from "./repository";

/** Adds a worktree at `dir` (absolute) holding `commit`: detached, or on a new branch `branch`. */
export function addRunWorktree(git: Git, dir: string, commit: string, branch?: string): void {
  const result = git.run(["worktree", "add", ...(branch ? ["-b", branch] : ["--detach"]), dir, commit]);
  if (result.code !== 0) throw new GitError(`git worktree add failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
}
