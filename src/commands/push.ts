import { answerPush } from "../core/answers/remote";
import { EXIT, UserError } from "../core/errors";
import { isTerminal } from "../core/os/posix";
import { parseSelection } from "../core/query/selection-flags";
import { shortId } from "../core/record/refs";
import { NOT_EXTENDED } from "../core/remote/push-refusals";
import { log } from "../render/log";
import { printData } from "../render/output";
import { showGitProgress } from "../render/progress";
import { jsonArg, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "push",
  description: "Send runs to a git remote (refs/exprag/runs/<id>), with their code; never your branches",
  args: {
    remote: { type: "positional", description: "A remote, URL or path (default: the branch's upstream remote, else origin)", required: false },
    runs: { type: "positional", description: "Only these runs (or a selection: --name, --where...); default: every run", required: false },
    log: { type: "boolean", default: true, description: "Send output logs too", negativeDescription: "Do not send output logs" },
    ...selectionArgs,
    ...jsonArg,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag push                          # every run, to the upstream remote (else origin)
  exprag push origin --since 2d        # the runs of the last two days
  exprag push /shared/project.git 3f9c2a1b --no-log

Each run is a commit on refs/exprag/runs/<run_id> holding its run file, output log and
annotations; a run that grew since its last push gets a commit on top (a fast-forward). Its code
commit goes along (a dirty run's snapshot as refs/exprag/snapshots/<run_id>). A push with nothing
new moves nothing. The project notes (note --project) go too, on refs/exprag/project/notes; when
the remote's hold notes this store lacks, pull first. exprag pull brings them into another clone.

${WHERE_HELP}`,
  async run({ args, store, cwd, env, warn }) {
    const atTerminal = isTerminal(2);
    const { data: outcome, remote } = await answerPush(
      {
        remote: args.remote,
        selection: parseSelection(args, args.runs),
        withLog: args.log,
        transfer: { progress: atTerminal && !args.json ? showGitProgress : null, prompt: atTerminal && isTerminal(0) },
      },
      { store, cwd, env, warn },
    );
    if (args.json) printData(`${JSON.stringify(outcome)}\n`);
    else for (const run of outcome.pushed) printData(`${run.run_id}\n`);
    for (const { run_id, reason } of outcome.rejected) warn(`run ${shortId(run_id)} was not pushed: ${reason}`);
    const grown = outcome.pushed.filter((run) => run.grew).length;
    const notesMoved = outcome.project_notes === "pushed" || outcome.project_notes === "rejected";
    if (outcome.pushed.length === 0 && outcome.rejected.length === 0 && !(notesMoved && outcome.up_to_date === 0))
      log.info(`${notesMoved ? "no run to push" : "nothing to push"}: ${remote} has all ${outcome.up_to_date} run${outcome.up_to_date === 1 ? "" : "s"}`);
    else if (outcome.pushed.length) {
      log.info(
        `pushed ${outcome.pushed.length} run${outcome.pushed.length === 1 ? "" : "s"} to ${remote}${grown ? ` (${grown} grown)` : ""}; ${outcome.up_to_date} already there`,
      );
    }
    if (outcome.project_notes === "pushed") log.info(`pushed the project notes to ${remote}`);
    if (outcome.project_notes === "rejected")
      throw new UserError(
        `the project notes were not pushed to ${remote}: its notes hold some this store lacks`,
        EXIT.failure,
        `exprag pull ${remote} first, then push again`,
      );
    if (outcome.rejected.length) {
      // A pull helps where the remote moved on; a remote that refuses for its own reasons (a hook) said why above.
      const behind = outcome.rejected.some(({ reason }) => reason === NOT_EXTENDED);
      throw new UserError(
        `${outcome.rejected.length} run${outcome.rejected.length === 1 ? " was" : "s were"} not pushed to ${remote}`,
        EXIT.failure,
        behind ? `exprag pull ${remote} first, then push again` : "see why each was not pushed, above",
      );
    }
  },
});
