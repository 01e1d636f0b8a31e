import { resolve } from "node:path";
import { EXIT, UserError } from "../core/errors";
import { notAnOption } from "../core/git/option-words";
import { gitCommand, openRepositoryOrFail } from "../core/git/repository";
import { hasUncommittedChanges, runCode, untrackedPathsInTheWay } from "../core/git/restore";
import { addRunWorktree } from "../core/git/worktrees";
import { shortId } from "../core/record/refs";
import { log } from "../log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "checkout",
  description: "Restore the exact code of a run, in a new worktree or in place",
  args: {
    run: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N" },
    worktree: { type: "string", description: "Put the run's code in a new git worktree at DIR; the current checkout stays as it is", valueHint: "DIR" },
    branch: { type: "string", description: "Create branch NAME at the run's commit instead of a detached HEAD", valueHint: "NAME" },
    ...jsonArg,
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag checkout latest --worktree ../best-run     # safe: a new worktree
  exprag checkout 3f9c2a1b --branch retry-best       # in place, on a new branch

In place, the work tree must have no uncommitted changes to tracked files.`,
  run({ args, store, cwd, env, warn }) {
    const { git, repo } = openRepositoryOrFail(cwd, env);
    const { runId, commit } = runCode(git, store, args.run, warn);
    const { branch, worktree } = args;
    if (worktree) {
      addRunWorktree(git, resolve(cwd, worktree), commit, branch);
      log.info(`run ${shortId(runId)}: its code is in ${resolve(cwd, worktree)} (commit ${commit.slice(0, 12)})`);
      if (args.json) printData(`${JSON.stringify({ run_id: runId, commit, worktree: resolve(cwd, worktree), branch: branch ?? null, in_place: false })}\n`);
      return;
    }
    if (hasUncommittedChanges(git)) {
      throw new UserError(
        "the work tree has uncommitted changes; checkout would mix them with the run's code",
        EXIT.failure,
        `commit or stash them (git stash -u), or use: exprag checkout ${args.run} --worktree DIR`,
      );
    }
    const inTheWay = untrackedPathsInTheWay(git, repo, commit);
    if (inTheWay.length) {
      const named = inTheWay.slice(0, 5).join(", ") + (inTheWay.length > 5 ? `, and ${inTheWay.length - 5} more` : "");
      throw new UserError(
        `the run's code holds ${named}, which the work tree has untracked (ignored, say): checking out would overwrite it, and going back would delete it`,
        EXIT.failure,
        `move it aside, or use: exprag checkout ${args.run} --worktree DIR`,
      );
    }
    // git checkout has no --end-of-options; the commit is an object id, the branch is checked.
    gitCommand(git, branch ? ["checkout", "-b", notAnOption(branch, "branch"), commit] : ["checkout", "--detach", commit]);
    log.info(`run ${shortId(runId)}: checked out commit ${commit.slice(0, 12)}${branch ? ` on branch ${branch}` : " (detached HEAD)"}`);
    if (args.json) printData(`${JSON.stringify({ run_id: runId, commit, worktree: repo.top, branch: branch ?? null, in_place: true })}\n`);
  },
});
