/**
 * Lines merged into a file by appending only the ones it lacks: a pulled run's annotations, the
 * project's notes, a run's annotations moved from where an older store kept them. The file is
 * only ever appended to, never replaced, so a line another process appends meanwhile is kept.
 */
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { EXIT, errnoCode, isErrno, UserError } from "../errors";
import { forEachLine, NotRegularFile } from "./reader";

/** Appends to `target` (created if missing) the lines it does not hold yet, in their order, with one write; returns how many. */
export function appendMissingLines(target: string, lines: string[]): number {
  const known = new Set<string>();
  let exists: boolean;
  try {
    exists = addLinesOf(target, known);
  } catch (error) {
    throw error instanceof NotRegularFile ? notRegularFile(target) : error;
  }
  const added: string[] = [];
  for (const text of lines) {
    if (text === "" || known.has(text)) continue;
    known.add(text);
    added.push(text);
  }
  if (added.length === 0) return 0;
  const fd = openToAppend(target);
  try {
    const text = `${exists && !endsWithNewline(fd) ? "\n" : ""}${added.join("\n")}\n`;
    const bytes = Buffer.from(text);
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } finally {
    closeSync(fd);
  }
  return added.length;
}

/**
 * `path` opened to append to (and read), created if missing (mode 0600): never through a link
 * planted in a copied store, never waiting on a FIFO in its place, and only a regular file.
 */
export function openToAppend(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0), 0o600);
  } catch (error) {
    throw isErrno(error, "ENXIO") ? notRegularFile(path) : error;
  }
  try {
    if (fstatSync(fd).isFile()) return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  closeSync(fd);
  throw notRegularFile(path);
}

/** A FIFO or a device where a store file is written: an error that names it. */
export const notRegularFile = (path: string) => new UserError(`${path} is not a regular file`, EXIT.failure, "remove it from the store, then try again");

/** A store file that could not be written, said in one line: a link, a folder or a file in the way. */
export function cannotWrite(path: string, error: unknown): unknown {
  const code = errnoCode(error);
  if (error instanceof UserError || code === undefined) return error;
  const why = code === "ELOOP" ? "it is a link, which exprag does not write through" : code;
  return new UserError(`cannot write ${path} (${why})`, EXIT.failure, "see what is in its place in the store, then try again");
}

function endsWithNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 10;
}

/** Adds each line of `path` to `lines` (but a line too long to read); false where there is no such file. */
export function addLinesOf(path: string, lines: Set<string>): boolean {
  try {
    forEachLine(path, (text) => {
      if (text !== null) lines.add(text);
      return undefined;
    });
    return true;
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error;
    return false;
  }
}
