import { answerTag } from "../core/answers/annotate";
import { currentAuthor } from "../core/record/author";
import { shortId } from "../core/record/refs";
import { log } from "../render/log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "tag",
  description: "Tag a run (or take tags off it): the tags go with the run, and --tag selects by them",
  args: {
    run: { type: "positional", description: "The run" },
    tags: { type: "positional", description: "Tags: words without spaces, such as best, baseline, sweep:3f9c2a1b" },
    remove: { type: "boolean", description: "Take these tags off the run" },
    ...jsonArg,
    ...storeArgs,
  },
  variadic: "tags",
  examples: `EXAMPLES

  exprag tag 3f9c2a1b best reproduced
  exprag tag latest --remove best
  exprag ls --tag best

Tags and notes are kept in the store's annotations/<run_id>.jsonl, not in the run file: a run
still being written is never touched, and each tag says who gave it and when.`,
  run(context) {
    const { args } = context;
    const { data } = answerTag({ run: args.run, tags: args.tags, remove: args.remove === true, author: currentAuthor(context.env, context.cwd) }, context);
    if (args.json) return printData(`${JSON.stringify(data)}\n`);
    log.info(`run ${shortId(data.run_id)}: ${data.tags.length ? `tags ${data.tags.join(" ")}` : "no tags"}`);
  },
});
