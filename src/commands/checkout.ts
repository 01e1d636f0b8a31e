import { answerCheckout } from "../core/answers/checkout";
import { shortId } from "../core/record/refs";
import { log } from "../render/log";
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
    "restore-outputs": { type: "boolean", description: "Also bring back the outputs the run kept (run --keep-outputs)" },
    ...jsonArg,
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag checkout latest --worktree ../best-run     # safe: a new worktree
  exprag checkout 3f9c2a1b --branch retry-best       # in place, on a new branch

In place, the work tree must have no uncommitted changes to tracked files.`,
  run(context) {
    const { args } = context;
    const { data } = answerCheckout(
      { run: args.run, worktree: args.worktree ?? null, branch: args.branch ?? null, restoreOutputs: args["restore-outputs"] === true },
      context,
    );
    const commit = data.commit.slice(0, 12);
    if (data.in_place) log.info(`run ${shortId(data.run_id)}: checked out commit ${commit}${data.branch ? ` on branch ${data.branch}` : " (detached HEAD)"}`);
    else log.info(`run ${shortId(data.run_id)}: its code is in ${data.worktree} (commit ${commit})`);
    if (data.outputs) log.info(`brought back ${data.outputs.restored.length} output${data.outputs.restored.length === 1 ? "" : "s"} into ${data.worktree}`);
    if (args.json) printData(`${JSON.stringify(data)}\n`);
  },
});
