/**
 * `exprag checkout` and checkout_worktree: a run's exact code, in a new worktree (the current
 * checkout stays as it is) or in place (only over a work tree without uncommitted changes).
 */
import { resolve } from "node:path";
import { EXIT, UserError } from "../errors";
import { notAnOption } from "../git/option-words";
import { gitCommand, openRepositoryOrFail } from "../git/repository";
import { filesOfCommit, hasUncommittedChanges, runCode, untrackedPathsInTheWay } from "../git/restore";
import { addRunWorktree } from "../git/worktrees";
import { checkOutputsPlace, type RestoredOutputs, restoreOutputs } from "../query/outputs";
import type { AnswerContext } from "./context";

export interface CheckoutRequest {
  run: string;
  /** A new worktree here (from the working directory); null checks the code out in place. */
  worktree: string | null;
  /** Create this branch at the run's commit instead of a detached HEAD. */
  branch: string | null;
  /** Also bring back the outputs the run kept (run --keep-outputs). */
  restoreOutputs?: boolean;
}

export interface CheckoutAnswer {
  data: { run_id: string; commit: string; worktree: string; branch: string | null; in_place: boolean; outputs?: RestoredOutputs };
}

export function answerCheckout(request: CheckoutRequest, { store, cwd, env, warn }: AnswerContext): CheckoutAnswer {
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const { runId, commit } = runCode(git, store, request.run, warn);
  const { branch } = request;
  const done = (worktree: string, inPlace: boolean, codeFiles?: ReadonlySet<string>) => {
    const outputs = request.restoreOutputs ? restoreOutputs(store, runId, worktree, !inPlace, warn, codeFiles) : undefined;
    if (outputs?.not_kept.length)
      warn(`${outputs.not_kept.length} output${outputs.not_kept.length === 1 ? " was" : "s were"} not kept by the run, so not brought back`);
    return { data: { run_id: runId, commit, worktree, branch, in_place: inPlace, ...(outputs && { outputs }) } };
  };
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
  // Outputs in the way stop the checkout before it moves anything; files of the run's code are
  // what the checkout itself puts there, which git holds.
  const codeFiles = request.restoreOutputs ? new Set(filesOfCommit(git, commit)) : undefined;
  if (codeFiles) checkOutputsPlace(store, runId, repo.top, warn, codeFiles);
  // git checkout has no --end-of-options; the commit is an object id, the branch is checked.
  // Quiet: exprag says what was checked out (and -q silences it); git still says what goes wrong.
  gitCommand(git, branch ? ["checkout", "--quiet", "-b", notAnOption(branch, "branch"), commit] : ["checkout", "--quiet", "--detach", commit]);
  return done(repo.top, true, codeFiles);
}
