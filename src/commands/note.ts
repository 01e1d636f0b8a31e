import { answerNote } from "../core/answers/annotate";
import { shortId } from "../core/record/refs";
import { currentAuthor } from "../core/run/context";
import { log } from "../log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "note",
  description: "Add a note to a run: a conclusion worth remembering, shown by exprag show",
  args: {
    run: { type: "positional", description: "The run" },
    text: { type: "positional", description: "The note" },
    ...jsonArg,
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag note 3f9c2a1b "best so far; lr 0.03 beats 0.1 by 4 points"
  exprag show 3f9c2a1b                     # notes with their time and author`,
  run(context) {
    const { args } = context;
    const { data } = answerNote({ run: args.run, text: args.text, author: currentAuthor(context.env) }, context);
    if (args.json) return printData(`${JSON.stringify(data)}\n`);
    log.info(`run ${shortId(data.run_id)}: note added`);
  },
});
