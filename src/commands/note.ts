import { answerNote } from "../core/answers/annotate";
import { usageError } from "../core/errors";
import { checkNote } from "../core/record/annotations";
import { currentAuthor } from "../core/record/author";
import { addProjectNote, readProjectNotes } from "../core/record/project-notes";
import { shortId } from "../core/record/refs";
import { ensureStore, isExplicitStore } from "../core/store";
import { visible } from "../render/escape";
import { formatLocalTime } from "../render/format";
import { log } from "../render/log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "note",
  description: "Add a note to a run (a conclusion worth remembering, shown by exprag show), or to the project (--project)",
  args: {
    run: { type: "positional", description: "The run (with --project: the note)", required: false },
    text: { type: "positional", description: "The note", required: false },
    project: { type: "boolean", description: "A note about the research itself: an idea not yet tried, a conclusion, a next step; alone, lists them" },
    replaces: {
      type: "string",
      description: "With --project: this note corrects the project note with this id (the old one stays in the history)",
      valueHint: "ID",
    },
    ...jsonArg,
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag note 3f9c2a1b "best so far; lr 0.03 beats 0.1 by 4 points"
  exprag show 3f9c2a1b                     # notes with their time and author
  exprag note --project "untried: cosine schedule with warmup 100"
  exprag note --project --replaces 1a2b3c4d "tried cosine: no gain (3 seeds)"
  exprag note --project                    # the project notes that stand (exprag brief shows them too)`,
  run({ args, store, env, cwd, warn }) {
    const author = currentAuthor(env, cwd);
    if (args.project) {
      if (args.text !== undefined) throw usageError("note --project takes one text: quote it", 'e.g. exprag note --project "untried: cosine schedule"');
      if (args.run === undefined) {
        const notes = readProjectNotes(store, warn);
        if (args.json) return printData(`${JSON.stringify({ notes: notes.current, history: notes.history })}\n`);
        const lines = notes.current.map((note) => visible(`${note.id}  ${note.text}  (${formatLocalTime(note.created_at)}, ${note.author?.name ?? "?"})`));
        if (!lines.length) log.info('no project notes yet: exprag note --project "TEXT" adds one');
        return printData(lines.map((line) => `${line}\n`).join(""));
      }
      ensureStore(store, isExplicitStore(args.dir, env));
      const note = addProjectNote(store, checkNote(args.run), author, args.replaces ?? null);
      if (args.json) return printData(`${JSON.stringify(note)}\n`);
      return log.info(`project note ${note.id} added${note.replaces ? `, replacing ${note.replaces}` : ""}`);
    }
    if (args.replaces !== undefined) throw usageError("--replaces corrects a project note: give --project too");
    if (args.run === undefined || args.text === undefined)
      throw usageError("note needs a run and a text", 'usage: exprag note RUN "TEXT", or exprag note --project "TEXT"');
    const { data } = answerNote({ run: args.run, text: args.text, author }, { store, cwd, env, warn: () => {} });
    if (args.json) return printData(`${JSON.stringify(data)}\n`);
    log.info(`run ${shortId(data.run_id)}: note added`);
  },
});
