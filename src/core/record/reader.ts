/**
 * Reading run files with bounded memory: the first line, the last lines, or every line in order.
 * Torn or corrupt lines are skipped; the first one of a file is reported as `file:line`.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { parseRecord } from "./decode";
import type { StoredRecord } from "./schema";

const CHUNK = 64 * 1024;
/** Reads from the ends of a file start small (a run_start or run_end line is a few KB) and double. */
const FIRST_END_READ = 4 * 1024;

/** Calls `onLine` for every line (empty ones too with `withEmpty`) and its 1-based number; stops early when it returns false. */
export function forEachLine(file: string, onLine: (text: string, line: number) => boolean | undefined, withEmpty = false): void {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer[] = [];
    let line = 0;
    for (;;) {
      const bytes = readSync(fd, buffer, 0, CHUNK, null);
      if (bytes === 0) break;
      let start = 0;
      for (let end = buffer.indexOf(10, 0); end >= 0 && end < bytes; end = buffer.indexOf(10, start)) {
        line++;
        const text = carry.length ? Buffer.concat([...carry, buffer.subarray(start, end)]).toString() : buffer.toString("utf8", start, end);
        carry = [];
        start = end + 1;
        if ((text || withEmpty) && onLine(text, line) === false) return;
      }
      if (start < bytes) carry.push(Buffer.from(buffer.subarray(start, bytes)));
    }
    if (carry.length) {
      const text = Buffer.concat(carry).toString();
      if (text) onLine(text, line + 1);
    }
  } finally {
    closeSync(fd);
  }
}

/** Lines of a file read from its end, last first. A torn last line comes back as it is: callers skip what does not parse. */
export class TailReader {
  private readonly fd: number;
  private position: number;
  private pending: Buffer[] = [];
  private lines: string[] = [];
  private readSize = FIRST_END_READ;
  readonly size: number;

  constructor(file: string) {
    this.fd = openSync(file, "r");
    this.size = fstatSync(this.fd).size;
    this.position = this.size;
  }

  /** The previous line, going backwards; null at the start of the file. */
  previous(): string | null {
    while (this.lines.length === 0) {
      if (this.position === 0) {
        if (this.pending.length === 0) return null;
        const first = Buffer.concat(this.pending).toString();
        this.pending = [];
        return first;
      }
      const size = Math.min(this.readSize, this.position);
      this.readSize = Math.min(this.readSize * 2, CHUNK);
      this.position -= size;
      const chunk = Buffer.allocUnsafe(size);
      readSync(this.fd, chunk, 0, size, this.position);
      const firstNewline = chunk.indexOf(10);
      if (firstNewline < 0) {
        // Part of a line longer than a chunk: kept in pieces, joined once, so long lines cost linear time.
        this.pending.unshift(chunk);
        continue;
      }
      const complete = Buffer.concat([chunk.subarray(firstNewline + 1), ...this.pending]);
      this.pending = [chunk.subarray(0, firstNewline)];
      this.lines = complete.toString().split("\n").filter(Boolean);
    }
    return this.lines.pop()!;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The first line of a file, read without reading the rest. */
export function readFirstLine(file: string): string | null {
  const fd = openSync(file, "r");
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let size = FIRST_END_READ; ; size = Math.min(size * 2, CHUNK)) {
      const bytes = readSync(fd, buffer, 0, size, null);
      if (bytes === 0) break;
      const newline = buffer.subarray(0, bytes).indexOf(10);
      chunks.push(Buffer.from(buffer.subarray(0, newline < 0 ? bytes : newline)));
      if (newline >= 0) break;
    }
    const text = Buffer.concat(chunks).toString();
    return text || null;
  } finally {
    closeSync(fd);
  }
}

/** Number of newline-terminated lines of a file (a torn last line counts too). */
export function countLines(file: string): number {
  const fd = openSync(file, "r");
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

/** The first record of a run file (run_start), read without reading the rest. */
export function readRunStart(file: string): StoredRecord | null {
  const line = readFirstLine(file);
  const record = line === null ? null : parseRecord(line);
  return record?.kind === "run_start" ? record : null;
}

/**
 * The last `count` lines of a file, as the bytes they are: nothing decoded, no newline added (a
 * last line without one stays without).
 */
export function lastLines(file: string, count: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.allocUnsafe(CHUNK);
    let position = size;
    let newlines = 0;
    // A newline that ends the file ends the last line; it does not start another.
    let skipFinal = true;
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      readSync(fd, chunk, 0, length, position);
      for (let i = length - 1; i >= 0; i--) {
        if (chunk[i] !== 10) {
          skipFinal = false;
          continue;
        }
        if (skipFinal) {
          skipFinal = false;
          continue;
        }
        if (++newlines === count) return readRange(fd, position + i + 1, size);
      }
    }
    return readRange(fd, 0, size);
  } finally {
    closeSync(fd);
  }
}

function readRange(fd: number, start: number, end: number): Buffer {
  const bytes = Buffer.allocUnsafe(end - start);
  let read = 0;
  while (read < bytes.length) {
    const n = readSync(fd, bytes, read, bytes.length - read, start + read);
    if (n === 0) break;
    read += n;
  }
  return bytes.subarray(0, read);
}

/** Calls `onChunk` with the file's bytes in order, in chunks of at most 256 KiB. */
export function forEachChunk(file: string, onChunk: (bytes: Buffer) => void): void {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(256 * 1024);
    for (let bytes = readSync(fd, buffer); bytes > 0; bytes = readSync(fd, buffer)) onChunk(buffer.subarray(0, bytes));
  } finally {
    closeSync(fd);
  }
}
