/** `exprag tag`, `exprag note`, tag_run and note_run: tags and notes kept beside a run file. */
import { RunView } from "../query/run-view";
import { appendAnnotation, checkNote, checkTags } from "../record/annotations";
import type { Author } from "../record/author";
import { resolveReadableRun } from "../record/refs";
import type { AnswerContext } from "./context";

export interface TagRequest {
  run: string;
  tags: string[];
  /** Take the tags off instead. */
  remove: boolean;
  author: Author;
}

/** The run's tags after the change. */
export function answerTag(request: TagRequest, { store }: AnswerContext) {
  const { runId, file } = resolveReadableRun(store, request.run);
  // A tag the run has, however it came (a pulled store's may be no tag exprag would give), can always be taken off.
  const has = request.remove ? new Set(new RunView(store, runId, () => {}).annotations().tags) : new Set<string>();
  const tags = [...checkTags(request.tags.filter((tag) => !has.has(tag))), ...request.tags.filter((tag) => has.has(tag))];
  appendAnnotation(file, runId, { kind: request.remove ? "untag" : "tag", tags }, request.author);
  return { data: { run_id: runId, tags: new RunView(store, runId, () => {}).annotations().tags } };
}

export interface NoteRequest {
  run: string;
  text: string;
  author: Author;
}

export function answerNote(request: NoteRequest, { store }: AnswerContext) {
  const text = checkNote(request.text);
  const { runId, file } = resolveReadableRun(store, request.run);
  appendAnnotation(file, runId, { kind: "note", text }, request.author);
  return { data: { run_id: runId, note: text, author: request.author } };
}
