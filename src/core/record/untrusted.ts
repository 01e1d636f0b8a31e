/**
 * What of a record or a remote may reach git or the file system, checked here and only here: a
 * run file's records and a remote's refs come from other machines. Run ids name files and refs,
 * object ids go to git, paths are joined to a tree. Everything else a record holds is text to
 * show (escaped) or data to answer with, never a name given to git or the file system. A remote's
 * project notes join this store's only line by line, each checked here.
 */
import { MAX_NOTE_CHARS } from "./annotations";
import { asObject, decodeEnvelope, parseRecord } from "./decode";

/** A run id, as file and ref names use it: a lower-case UUID. */
export const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A git object id: 40 (SHA-1) or 64 (SHA-256) hex digits. A ref name such as HEAD is not one. */
export const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Whether a recorded path stays inside the tree it is meant for when joined to it: relative,
 * no `..` or `.` part, no empty part, no NUL.
 */
export function isConfinedPath(path: string): boolean {
  if (path === "" || path.includes("\0") || path.startsWith("/")) return false;
  return path
    .replace(/\/$/, "")
    .split("/")
    .every((part) => part !== "" && part !== "." && part !== "..");
}

/** A project note's id, and the id a correction names in `replaces`: 8 hex digits. */
export const NOTE_ID = /^[0-9a-f]{8}$/;

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
