import { closeSync } from "node:fs";
import { borrowChunk, CHUNK, FIRST_END_READ, MAX_LINE_BYTES, type OpenedFile, openRegular, readAt, returnChunk, TOO_LONG } from "./reader";

/**
 * Lines of a file read from its end, last first. A torn last line comes back as it is, and a line
 * over MAX_LINE_BYTES as TOO_LONG: callers skip what does not parse. Only the lines asked for are
 * decoded: a run's tail is read 4 KB at a time, and its last two or three lines are what most
 * questions need.
 */
export class TailReader {
  private readonly file: OpenedFile;
  /** Whether this reader opened the file (and closes it), or reads one opened by its caller. */
  private readonly owned: boolean;
  private readonly buffer: Buffer;
  private position: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The whole lines of the last read lie in buffer[linesStart, linesEnd): those before linesEnd are still to come. */
  private linesStart = 0;
  private linesEnd = 0;
  /** The line that continued into what was kept from later reads, given before the buffer's lines. */
  private continued: string | null = null;
  /**
   * buffer[0, head) is the end of a line that began before the last read: kept only when the next
   * read needs the buffer (most questions stop before they reach it).
   */
  private head = 0;
  private readSize = FIRST_END_READ;
  readonly size: number;

  constructor(file: string | OpenedFile) {
    this.owned = typeof file === "string";
    this.file = typeof file === "string" ? openRegular(file) : file;
    this.size = this.file.size;
    this.position = this.size;
    this.buffer = borrowChunk();
  }

  /** The previous line, going backwards; null at the start of the file. */
  previous(): string | null {
    for (;;) {
      if (this.continued !== null) {
        const line = this.continued;
        this.continued = null;
        if (line !== "") return line;
      }
      if (this.linesEnd > this.linesStart) {
        const newline = this.buffer.lastIndexOf(10, this.linesEnd - 1);
        const from = newline >= this.linesStart ? newline + 1 : this.linesStart;
        const line = this.buffer.toString("utf8", from, this.linesEnd);
        this.linesEnd = from > this.linesStart ? from - 1 : this.linesStart;
        if (line !== "") return line;
        continue;
      }
      this.keepHead();
      if (this.position === 0) {
        if (this.pendingBytes === 0) return null;
        return this.takePending();
      }
      const size = Math.min(this.readSize, this.position);
      this.readSize = Math.min(this.readSize * 2, CHUNK);
      this.position -= size;
      const got = readAt(this.file, this.buffer, size, this.position);
      // Cut short since it was opened (a disk-full rollback): what is no longer there reads as line breaks, never as the bytes another file left in the buffer.
      if (got < size) this.buffer.fill(10, Math.max(got, 0), size);
      const firstNewline = this.buffer.indexOf(10);
      if (firstNewline < 0 || firstNewline >= size) {
        // Part of a line longer than a chunk: kept in pieces, joined once, so long lines cost linear time.
        this.keep(0, size);
        continue;
      }
      // The chunk's last line continues into what was kept; the lines before it are whole.
      const lastNewline = this.buffer.lastIndexOf(10, size - 1);
      this.keep(lastNewline + 1, size);
      this.continued = this.takePending();
      this.linesStart = firstNewline + 1;
      this.linesEnd = lastNewline;
      this.head = firstNewline;
    }
  }

  close(): void {
    if (this.owned) closeSync(this.file.fd);
    returnChunk(this.buffer);
  }

  private keepHead(): void {
    this.keep(0, this.head);
    this.head = 0;
  }

  /** Keeps a copy of the buffer's bytes [start, end) as the start of the line being read. */
  private keep(start: number, end: number): void {
    if (start === end) return;
    this.pendingBytes += end - start;
    // Past the bound, only the count is kept: the line reads as TOO_LONG.
    if (this.pendingBytes > MAX_LINE_BYTES) this.pending = [];
    else {
      const piece = Buffer.allocUnsafe(end - start);
      this.buffer.copy(piece, 0, start, end);
      this.pending.unshift(piece);
    }
  }

  private takePending(): string {
    // Nothing kept (a file that ends with a newline, read from its end): no buffer to join.
    if (this.pendingBytes === 0) return "";
    const text = this.pendingBytes > MAX_LINE_BYTES ? TOO_LONG : Buffer.concat(this.pending).toString();
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }
}
