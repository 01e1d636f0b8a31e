import { appendAnnotation, checkTags, readAnnotations } from "../core/record/annotations";
import { resolveRunRef, shortId } from "../core/record/refs";
import { currentAuthor } from "../core/run/context";
import { log } from "../log";
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
  run({ args, store, env }) {
    checkTags(args.tags);
    const { runId, file } = resolveRunRef(store, args.run);
    appendAnnotation(file, runId, { kind: args.remove ? "untag" : "tag", tags: args.tags }, currentAuthor(env));
    const { tags } = readAnnotations(file);
    if (args.json) return printData(`${JSON.stringify({ run_id: runId, tags })}\n`);
    log.info(`run ${shortId(runId)}: ${tags.length ? `tags ${tags.join(" ")}` : "no tags"}`);
  },
});
