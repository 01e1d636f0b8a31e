/**
 * Reading store files with bounded memory: the first line, or every line in order (the last lines:
 * tail-reader.ts). A store is data that scripts wrote and people copy, so only regular files are read
 * (a FIFO would hang, a link to /dev/zero never ends), and no line is held past a bound.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { errnoCode } from "../errors";
import { parseRecord } from "./decode";
import { noRecordCounts, type RecordCounts, type StoredRecord } from "./schema";

export const CHUNK = 64 * 1024;
/** Reads from the ends of a file start small (a run_start or run_end line is a few KB) and double. */
export const FIRST_END_READ = 4 * 1024;
/** A line longer than this is not held: no record exprag writes comes near it (records are capped at 64 MiB). */
export const MAX_LINE_BYTES = 65 * 1024 * 1024;
/** What a line over MAX_LINE_BYTES reads as: text that is no JSON record. */
export const TOO_LONG = "\u0000";

/** A store file that is not a regular file; `code` reads in messages like an errno code. */
export class NotRegularFile extends Error {
  readonly code = "not a regular file";
}

/** Opens a file for reading, refusing anything but a regular file without blocking on it; `follow`: through a link. */
export function openRegularFile(path: string, follow = true): number {
  return openRegular(path, false, follow).fd;
}

/** A regular file opened for reading, and its size from the same stat. */
export interface OpenedFile {
  fd: number;
  size: number;
  /** The whole file when it was read in one call on opening (see whole-file.ts): reads come from here. */
  bytes?: Buffer;
  /** What the same stat says of the file, when asked for: device, inode, size, and its modification and change times. */
  key?: string;
}

/** Reads `length` bytes at `position` of an opened file into `buffer`, from its bytes when it was read whole. */
export function readAt(file: OpenedFile, buffer: Buffer, length: number, position: number): number {
  if (!file.bytes) return readSync(file.fd, buffer, 0, length, position);
  return file.bytes.copy(buffer, 0, position, Math.min(position + length, file.bytes.length));
}

/**
 * openRegularFile, with the size its one fstat found; `keyed`: and the file's key, which changes
 * whenever the file is written (a new size, new modification and change times, a new file a new inode);
 * `follow` false: a link is refused (one planted in a copied store could name any file of this user's).
 */
export function openRegular(path: string, keyed = false, follow = true): OpenedFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (follow ? 0 : constants.O_NOFOLLOW));
  } catch (error) {
    throw !follow && errnoCode(error) === "ELOOP" ? new NotRegularFile(`${path} is a link`) : error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFile(`${path} is not a regular file`);
    // The times in milliseconds to a fraction of a microsecond, finer than most file systems
    // keep them (a stat in nanoseconds, as bigints, costs a tenth of a warm aggregate's time).
    if (keyed) return { fd, size: stat.size, key: `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` };
    return { fd, size: stat.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * One buffer for every read from a file's ends: what leaves it is a string or a copy, and all
 * reads are synchronous, so no two readers use it at once. (A fresh 64 KiB buffer per read cost
 * more than the read itself over 10,000 runs.)
 */
const scratch = Buffer.allocUnsafe(CHUNK);

/**
 * 64 KiB buffers of finished reads, for the next (a fresh one per run cost more than its read); a
 * reader that starts inside another's callback takes its own.
 */
const spareChunks: Buffer[] = [];
export const borrowChunk = (): Buffer => spareChunks.pop() ?? Buffer.allocUnsafe(CHUNK);
export const returnChunk = (buffer: Buffer): void => {
  if (spareChunks.length < 4) spareChunks.push(buffer);
};

/**
 * Calls `onLine` for every line (empty ones too with `withEmpty`) and its 1-based number; stops
 * early when it returns false. A line over MAX_LINE_BYTES comes as null, unread.
 */
export function forEachLine(file: string | OpenedFile, onLine: (text: string | null, line: number) => boolean | undefined, withEmpty = false): void {
  forEachLineBytes(file, (bytes, start, end, line) => {
    if (bytes === null) return onLine(null, line);
    if (start === end && !withEmpty) return;
    return onLine(bytes.toString("utf8", start, end), line);
  });
}

/**
 * forEachLine without decoding: each line is `bytes[start, end)` (null when over MAX_LINE_BYTES),
 * valid only during the call, so a caller that reads a few bytes of a line makes no string of it;
 * `unterminated` for a last line without its newline (a write under way, or cut short).
 * A file opened by the caller is read from its start and left open; one read whole is not read again.
 */
export function forEachLineBytes(
  file: string | OpenedFile,
  onLine: (bytes: Buffer | null, start: number, end: number, line: number, unterminated?: boolean) => boolean | undefined,
): void {
  const fd = typeof file === "string" ? openRegularFile(file) : file.fd;
  let whole = typeof file === "string" ? undefined : file.bytes;
  const chunk = whole ? null : borrowChunk();
  try {
    let carry: Buffer[] = [];
    let carried = 0;
    let tooLong = false;
    let line = 0;
    for (let position = 0; ; ) {
      // A file read whole is one chunk: its lines are handed on from its own bytes.
      const buffer = whole ?? chunk!;
      const bytes = whole ? whole.length : chunk ? readSync(fd, chunk, 0, CHUNK, position) : 0;
      whole = undefined;
      if (bytes === 0) break;
      position += bytes;
      let start = 0;
      for (let end = buffer.indexOf(10, 0); end >= 0 && end < bytes; end = buffer.indexOf(10, start)) {
        line++;
        let result: boolean | undefined;
        if (tooLong) result = onLine(null, 0, 0, line);
        else if (carry.length) {
          const joined = Buffer.concat([...carry, buffer.subarray(start, end)]);
          result = onLine(joined, 0, joined.length, line);
        } else result = onLine(buffer, start, end, line);
        carry = [];
        carried = 0;
        tooLong = false;
        start = end + 1;
        if (result === false) return;
      }
      if (start >= bytes || tooLong) continue;
      carried += bytes - start;
      if (carried > MAX_LINE_BYTES) {
        carry = [];
        tooLong = true;
      } else {
        carry.push(Buffer.from(buffer.subarray(start, bytes)));
      }
    }
    line++;
    if (tooLong) onLine(null, 0, 0, line, true);
    else if (carry.length) {
      const joined = Buffer.concat(carry);
      onLine(joined, 0, joined.length, line, true);
    }
  } finally {
    if (typeof file === "string") closeSync(fd);
    if (chunk) returnChunk(chunk);
  }
}

/** The first line of a file, read without reading the rest; TOO_LONG when it is over MAX_LINE_BYTES. */
export function readFirstLine(file: string): string | null {
  const fd = openRegularFile(file);
  try {
    return firstLineOf(fd);
  } finally {
    closeSync(fd);
  }
}

/** The first line of an open file, read from its start with positioned reads (the offset is left alone). */
export function firstLineOf(file: number | OpenedFile): string | null {
  const opened = typeof file === "number" ? { fd: file, size: 0 } : file;
  if (opened.bytes) {
    const newline = opened.bytes.indexOf(10);
    const end = newline < 0 ? opened.bytes.length : newline;
    return end > MAX_LINE_BYTES ? TOO_LONG : opened.bytes.toString("utf8", 0, end) || null;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for (let size = FIRST_END_READ, position = 0; ; size = Math.min(size * 2, CHUNK)) {
    const bytes = readSync(opened.fd, scratch, 0, size, position);
    if (bytes === 0) break;
    position += bytes;
    // Searched past `bytes` too (what is there is stale), as a bound on it: no view of the buffer made per file.
    const found = scratch.indexOf(10);
    const newline = found < bytes ? found : -1;
    total += newline < 0 ? bytes : newline;
    if (total > MAX_LINE_BYTES) return TOO_LONG;
    // The usual first line fits one read: decoded straight from the buffer, no copy.
    if (newline >= 0 && !chunks.length) return scratch.toString("utf8", 0, newline) || null;
    chunks.push(Buffer.from(scratch.subarray(0, newline < 0 ? bytes : newline)));
    if (newline >= 0) break;
  }
  const text = Buffer.concat(chunks).toString();
  return text || null;
}

/** Number of newline-terminated lines of a file (a torn last line counts too). */
export function countLines(file: string): number {
  const fd = openRegularFile(file);
  try {
    const buffer = Buffer.allocUnsafe(CHUNK * 4);
    let lines = 0;
    let last = 10;
    for (;;) {
      const bytes = readSync(fd, buffer, 0, buffer.length, null);
      if (bytes === 0) break;
      for (let i = buffer.indexOf(10); i >= 0 && i < bytes; i = buffer.indexOf(10, i + 1)) lines++;
      last = buffer[bytes - 1]!;
    }
    return last === 10 ? lines : lines + 1;
  } finally {
    closeSync(fd);
  }
}

/**
 * The records of each kind a run file holds so far, for a run that has no run_end to say: each
 * line's kind is the first `"kind":"` in it, since the envelope's string fields before it escape
 * their quotes. A torn last line is not counted.
 */
export function countRecordKinds(file: string): RecordCounts {
  const counts = noRecordCounts();
  const kind = /"kind":"([a-z_]+)"/y;
  const kindIn = (text: string, start: number, end: number): string | null => {
    kind.lastIndex = text.indexOf('"kind":"', start);
    if (kind.lastIndex < 0 || kind.lastIndex >= end) return null;
    const found = kind.exec(text);
    return found && kind.lastIndex <= end ? found[1]! : null;
  };
  // Read in chunks, never the whole file: of a line not yet ended, its kind once seen, else its last bytes.
  let carry = "";
  let pending: string | null = null;
  const fd = openRegularFile(file);
  try {
    forEachChunk(fd, (bytes) => {
      const text = carry + bytes.toString("latin1");
      let start = 0;
      for (let end = text.indexOf("\n"); end >= 0; start = end + 1, end = text.indexOf("\n", start)) {
        const name = pending ?? kindIn(text, start, end);
        pending = null;
        if (name !== null && Object.hasOwn(counts, name)) counts[name as keyof RecordCounts]++;
      }
      pending ??= kindIn(text, start, text.length);
      carry = pending === null ? text.slice(Math.max(start, text.length - KIND_CARRY)) : "";
    });
  } finally {
    closeSync(fd);
  }
  return counts;
}

/** Enough of a line's end to hold the start of a `"kind":"...` cut by a chunk's end. */
const KIND_CARRY = 64;

/** The first record of a run file (run_start), read without reading the rest. */
export function readRunStart(file: string): StoredRecord | null {
  return runStartOf(readFirstLine(file));
}

/** The run_start record a run file's first line holds, if it does. */
export function runStartOf(line: string | null): StoredRecord | null {
  const record = line === null ? null : parseRecord(line);
  return record?.kind === "run_start" ? record : null;
}

/**
 * Where the last `count` lines of a file start: a byte offset, nothing decoded (a last line
 * without a newline counts as a line).
 */
export function lastLinesOffset(fd: number, count: number): number {
  const size = fstatSync(fd).size;
  const chunk = Buffer.allocUnsafe(CHUNK);
  let newlines = 0;
  for (let position = size; position > 0; ) {
    const length = Math.min(CHUNK, position);
    position -= length;
    readSync(fd, chunk, 0, length, position);
    for (let i = length - 1; i >= 0; i--) {
      // A newline that ends the file ends the last line; it does not start another.
      if (chunk[i] !== 10 || position + i === size - 1) continue;
      if (++newlines === count) return position + i + 1;
    }
  }
  return 0;
}

/** Calls `onChunk` with a file's bytes in order from `from`, in chunks of at most 256 KiB. */
export function forEachChunk(fd: number, onChunk: (bytes: Buffer) => void, from = 0): void {
  const buffer = Buffer.allocUnsafe(256 * 1024);
  for (let position = from, bytes = readSync(fd, buffer, 0, buffer.length, position); bytes > 0; bytes = readSync(fd, buffer, 0, buffer.length, position)) {
    onChunk(buffer.subarray(0, bytes));
    position += bytes;
  }
}
