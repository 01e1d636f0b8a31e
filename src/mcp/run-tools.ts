/**
 * The tools about one run's output and memory: log_tail (exprag log --tail), tag_run
 * (exprag tag) and note_run (exprag note). Tags and notes say who gave them: the coding agent
 * recognised from the environment, else the MCP client by the name it gave, else the user.
 */
import { z } from "zod";
import { answerNote, answerTag } from "../core/answers/annotate";
import { answerLog } from "../core/answers/log";
import { type Author, currentAuthor } from "../core/record/author";
import { shortId } from "../core/record/refs";
import { MAX_TEXT_BYTES } from "./code-tools";
import { runInput } from "./inputs";
import type { ToolSpec } from "./tool";
import type { ToolContext } from "./workspace";

const DEFAULT_LOG_LINES = 50;

export const authorOf = ({ env, cwd, clientName }: ToolContext): Author => currentAuthor(env, cwd, clientName);

const logTailInput = {
  run: runInput(),
  lines: z.number().int().min(1).optional().describe(`How many of the last lines (default ${DEFAULT_LOG_LINES})`),
};
const logTailTool: ToolSpec<typeof logTailInput> = {
  name: "log_tail",
  title: "The end of a run's output",
  description:
    "The last lines of a run's captured output (stdout and stderr as they were shown): {run_id, log, text, lines, truncated}. " +
    `At most ${MAX_TEXT_BYTES} bytes (truncated: true when the lines asked for held more). Same text as \`exprag log <run> --tail N\`.`,
  input: logTailInput,
  effect: "reads",
  answer(input, context) {
    const { data: tail } = answerLog({ run: input.run, tail: input.lines ?? DEFAULT_LOG_LINES, maxBytes: MAX_TEXT_BYTES }, context);
    return {
      data: tail,
      summary: `the last ${tail.lines} lines of run ${shortId(tail.run_id)}'s output${tail.truncated ? ` (cut to ${MAX_TEXT_BYTES} bytes)` : ""}`,
    };
  },
};

const tagRunInput = {
  run: runInput(),
  tags: z.array(z.string()).min(1).describe("Tags: words without spaces, such as best, baseline, sweep:3f9c2a1b"),
  remove: z.boolean().optional().describe("Take these tags off the run instead"),
};
const tagRunTool: ToolSpec<typeof tagRunInput> = {
  name: "tag_run",
  title: "Tag a run",
  description:
    "Gives a run tags (or takes them off with remove): they go with the run, and the tags selection finds it by them. Kept beside " +
    "the run file with who gave them and when; the run file is never touched. Answers {run_id, tags} (the tags it has now), as " +
    "`exprag tag --json`.",
  input: tagRunInput,
  effect: "adds",
  idempotent: true,
  answer(input, context) {
    const { data } = answerTag({ run: input.run, tags: input.tags, remove: input.remove === true, author: authorOf(context) }, context);
    return { data, summary: `run ${shortId(data.run_id)}: ${data.tags.length ? `tags ${data.tags.join(" ")}` : "no tags"}` };
  },
};

const noteRunInput = {
  run: runInput(),
  text: z.string().describe("The note: a conclusion worth remembering (at most 10,000 characters)"),
};
const noteRunTool: ToolSpec<typeof noteRunInput> = {
  name: "note_run",
  title: "Add a note to a run",
  description:
    "Adds a note to a run, such as a conclusion worth remembering; show_run lists it with its time and author. Kept beside the run " +
    "file; the run file is never touched. Answers {run_id, note, author}, as `exprag note --json`.",
  input: noteRunInput,
  effect: "adds",
  answer(input, context) {
    const { data } = answerNote({ run: input.run, text: input.text, author: authorOf(context) }, context);
    return { data, summary: `run ${shortId(data.run_id)}: note added` };
  },
};

export const runTools = [logTailTool, tagRunTool, noteRunTool];
