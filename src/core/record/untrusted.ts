/**
 * What of a record or a remote may reach git or the file system, checked here and only here: a
 * run file's records and a remote's refs come from other machines. Run ids name files and refs,
 * object ids go to git, paths are joined to a tree. Everything else a record holds is text to
 * show (escaped) or data to answer with, never a name given to git or the file system. A remote's
 * project notes join this store's only line by line, each checked by project-notes.ts with these.
 */

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
