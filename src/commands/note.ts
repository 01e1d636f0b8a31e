import { appendAnnotation, checkNote } from "../core/record/annotations";
import { currentAuthor } from "../core/record/author";
import { resolveRunRef, shortId } from "../core/record/refs";
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
  run({ args, store, env, cwd }) {
    const text = checkNote(args.text);
    const { runId, file } = resolveRunRef(store, args.run);
    const author = currentAuthor(env, cwd);
    appendAnnotation(file, runId, { kind: "note", text }, author);
    if (args.json) return printData(`${JSON.stringify({ run_id: runId, note: text, author })}\n`);
    log.info(`run ${shortId(runId)}: note added`);
  },
});
