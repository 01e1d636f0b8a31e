/**
 * `exprag checkout` and checkout_worktree: a run's exact code, in a new worktree (the current
 * checkout stays as it is) or in place (only over a work tree without uncommitted changes).
 */
import { resolve } from "node:path";
import { EXIT, UserError } from "../errors";
import { gitCommand, openRepositoryOrFail } from "../git/repository";
import { hasUncommittedChanges, runCode, untrackedPathsInTheWay } from "../git/restore";
import { addRunWorktree } from "../git/worktrees";
import type { AnswerContext } from "./context";

export interface CheckoutRequest {
  run: string;
  /** A new worktree here (from the working directory); null checks the code out in place. */
  worktree: string | null;
  /** Create this branch at the run's commit instead of a detached HEAD. */
  branch: string | null;
}

export interface CheckoutAnswer {
  data: { run_id: string; commit: string; worktree: string; branch: string | null; in_place: boolean };
}

export function answerCheckout(request: CheckoutRequest, { store, cwd, env, warn }: AnswerContext): CheckoutAnswer {
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const { runId, commit } = runCode(git, store, request.run, warn);
  const { branch } = request;
  const done = (worktree: string, inPlace: boolean) => ({ data: { run_id: runId, commit, worktree, branch, in_place: inPlace } });
  if (request.worktree !== null) {
    const worktree = resolve(cwd, request.worktree);
    addRunWorktree(git, worktree, commit, branch ?? undefined);
    return done(worktree, false);
  }
  if (hasUncommittedChanges(git)) {
    throw new UserError(
      "the work tree has uncommitted changes; checkout would mix them with the run's code",
      EXIT.failure,
      `commit or stash them (git stash -u), or use: exprag checkout ${request.run} --worktree DIR`,
    );
  }
  const inTheWay = untrackedPathsInTheWay(git, repo, commit);
  if (inTheWay.length) {
    const named = inTheWay.slice(0, 5).join(", ") + (inTheWay.length > 5 ? `, and ${inTheWay.length - 5} more` : "");
    throw new UserError(
      `the run's code holds ${named}, which the work tree has untracked (ignored, say): checking out would overwrite it, and going back would delete it`,
      EXIT.failure,
      `move it aside, or use: exprag checkout ${request.run} --worktree DIR`,
    );
  }
  gitCommand(git, branch ? ["checkout", "-b", branch, commit] : ["checkout", "--detach", commit]);
  return done(repo.top, true);
}
