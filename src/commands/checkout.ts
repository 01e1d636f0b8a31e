import { resolve } from "node:path";
import { EXIT, UserError } from "../core/errors";
import { gitCommand, openRepositoryOrFail } from "../core/git/repository";
import { hasUncommittedChanges, runCode, untrackedPathsInTheWay } from "../core/git/restore";
import { addRunWorktree } from "../core/git/worktrees";
import { checkOutputsPlace, type RestoredOutputs, restoreOutputs } from "../core/query/outputs";
import { shortId } from "../core/record/refs";
import { log } from "../log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

function bringBackOutputs(store: string, runId: string, target: string, overwrite: boolean, warn: (message: string) => void): RestoredOutputs {
  const outputs = restoreOutputs(store, runId, target, overwrite, warn);
  log.info(`brought back ${outputs.restored.length} output${outputs.restored.length === 1 ? "" : "s"} into ${target}`);
  if (outputs.not_kept.length)
    warn(`${outputs.not_kept.length} output${outputs.not_kept.length === 1 ? " was" : "s were"} not kept by the run, so not brought back`);
  return outputs;
}

export default defineExpragCommand({
  name: "checkout",
  description: "Restore the exact code of a run, in a new worktree or in place",
  args: {
    run: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N" },
    worktree: { type: "string", description: "Put the run's code in a new git worktree at DIR; the current checkout stays as it is", valueHint: "DIR" },
    branch: { type: "string", description: "Create branch NAME at the run's commit instead of a detached HEAD", valueHint: "NAME" },
    "restore-outputs": { type: "boolean", description: "Also bring back the outputs the run kept (run --keep-outputs)" },
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
      const outputs = args["restore-outputs"] ? bringBackOutputs(store, runId, resolve(cwd, worktree), true, warn) : undefined;
      if (args.json)
        printData(
          `${JSON.stringify({ run_id: runId, commit, worktree: resolve(cwd, worktree), branch: branch ?? null, in_place: false, ...(outputs && { outputs }) })}\n`,
        );
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
    // Outputs in the way stop the checkout before it moves anything.
    if (args["restore-outputs"]) checkOutputsPlace(store, runId, repo.top, warn);
    gitCommand(git, branch ? ["checkout", "-b", branch, commit] : ["checkout", "--detach", commit]);
    log.info(`run ${shortId(runId)}: checked out commit ${commit.slice(0, 12)}${branch ? ` on branch ${branch}` : " (detached HEAD)"}`);
    const outputs = args["restore-outputs"] ? bringBackOutputs(store, runId, repo.top, false, warn) : undefined;
    if (args.json)
      printData(`${JSON.stringify({ run_id: runId, commit, worktree: repo.top, branch: branch ?? null, in_place: true, ...(outputs && { outputs }) })}\n`);
  },
});
