/**
 * Notes about the research itself rather than one run (`exprag note --project`): ideas not yet
 * tried, conclusions, next steps. They live in the store's `project-notes.jsonl`, one per line,
 * appended with one write each like a run's annotations. A note that names another in `replaces`
 * corrects it: the old one leaves the current notes and stays in the history.
 */
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../../version";
import { errnoCode, isErrno, usageError } from "../errors";
import { appendLine } from "./annotations";
import { type Author, decodeAuthor } from "./author";
import { asObject, decodeEnvelope, parseRecord } from "./decode";
import { forEachLine, NotRegularFile } from "./reader";
import { MAX_NOTE_CHARS, type ProjectNoteValue, SCHEMA_VERSION } from "./schema";
import { NOTE_ID } from "./untrusted";

export const projectNotesPath = (store: string) => join(store, "project-notes.jsonl");

export interface ProjectNote {
  id: string;
  text: string;
  created_at: string;
  author: Author | null;
  /** The note this one corrects. */
  replaces: string | null;
}

export interface ProjectNotes {
  /** The notes that stand (none replaced them), oldest first. */
  current: ProjectNote[];
  /** Every note, oldest first. */
  history: ProjectNote[];
}

/** The project's notes; a notes file that cannot be read (a folder, a FIFO in its place) holds none, said through `warn`. */
export function readProjectNotes(store: string, warn: (message: string) => void = () => {}): ProjectNotes {
  const history: ProjectNote[] = [];
  const path = projectNotesPath(store);
  try {
    readNotes(path, history);
  } catch (error) {
    const code = errnoCode(error);
    if (code === undefined) throw error;
    warn(`${path}: cannot be read (${code === "ELOOP" ? "a link, which exprag does not follow" : code}), skipped`);
    history.length = 0;
  }
  // Oldest first, whatever order a store's lines came in: every clone lists them alike.
  history.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  const replaced = new Set(history.map((note) => note.replaces).filter((id) => id !== null));
  return { current: history.filter((note) => !replaced.has(note.id)), history };
}

/** The notes file is read never through a link (one planted in a copied store could name any file of this user's). */
function readNotes(path: string, history: ProjectNote[]): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if (isErrno(error, "ENOENT")) return;
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFile(`${path} is not a regular file`);
    forEachLine({ fd, size: stat.size }, (text) => {
      const record = text === null ? null : parseRecord(text);
      if (!record) return;
      const { kind, value, createdAt } = decodeEnvelope(record);
      const body = asObject(value);
      if (kind !== "project_note" || typeof body.id !== "string" || !NOTE_ID.test(body.id) || typeof body.text !== "string") return;
      const replaces = typeof body.replaces === "string" && NOTE_ID.test(body.replaces) ? body.replaces : null;
      history.push({ id: body.id, text: body.text, created_at: createdAt, author: decodeAuthor(record), replaces });
    });
  } finally {
    closeSync(fd);
  }
}

/** Adds a note (already checked by checkNote), or a correction of the note `replaces` names. */
export function addProjectNote(store: string, text: string, author: Author, replaces: string | null): ProjectNote {
  if (replaces !== null) {
    const wanted = replaces.toLowerCase();
    const current = readProjectNotes(store).current;
    if (!current.some((note) => note.id === wanted)) {
      const ids = current.map((note) => note.id).join(", ");
      throw usageError(`no project note ${JSON.stringify(replaces)} stands to be replaced`, ids ? `current notes: ${ids}` : "there are no project notes yet");
    }
    replaces = wanted;
  }
  const note: ProjectNote = { id: Bun.randomUUIDv7().slice(-8), text, created_at: new Date().toISOString(), author, replaces };
  const value = { id: note.id, text, ...(replaces !== null && { replaces }) } satisfies ProjectNoteValue;
  appendLine(projectNotesPath(store), {
    schema_version: SCHEMA_VERSION,
    exprag_version: VERSION,
    kind: "project_note",
    value,
    created_at: note.created_at,
    author,
  });
  return note;
}

/** A pulled project-notes line longer than this is no note exprag wrote (its text is capped well below). */
const MAX_NOTE_LINE_BYTES = 64 * 1024;

/**
 * Whether a line of a remote's project-notes.jsonl may join this store's: one project_note
 * record whose id (and `replaces`, if any) is a note id and whose text is a note's size.
 */
export function isAcceptableProjectNote(line: string): boolean {
  if (Buffer.byteLength(line) > MAX_NOTE_LINE_BYTES) return false;
  const record = parseRecord(line);
  if (!record) return false;
  const { kind, value } = decodeEnvelope(record);
  const body = asObject(value);
  if (kind !== "project_note" || typeof body.id !== "string" || !NOTE_ID.test(body.id)) return false;
  if (typeof body.text !== "string" || !body.text.trim() || body.text.length > MAX_NOTE_CHARS) return false;
  return body.replaces === undefined || body.replaces === null || (typeof body.replaces === "string" && NOTE_ID.test(body.replaces));
}
