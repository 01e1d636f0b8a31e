/**
 * Turns record lines written by the child (magic lines on stdout, lines on EXPRAG_FD) into
 * records of the run file, counting them and keeping what does not parse as `parse_error`.
 */
import { parsePayload } from "./protocol";
import type { RunFile } from "./run-file";

export type RecordSource = "stdout" | "fd";

export interface RecordCounts {
  track: number;
  meta: number;
  note: number;
  parse_error: number;
}

/** How many unparsable lines are shown one by one before they are only counted. */
const SHOWN_PARSE_ERRORS = 3;
const SHOWN_RAW_CHARS = 200;

export class RecordIngest {
  readonly counts: RecordCounts = { track: 0, meta: 0, note: 0, parse_error: 0 };

  constructor(
    private readonly runFile: RunFile,
    private readonly warn: (message: string) => void,
  ) {}

  /** Records one line; false when it did not parse (it is kept as `parse_error`). */
  line(text: string, source: RecordSource): boolean {
    const payload = parsePayload(text);
    if (!payload.ok) {
      const raw = source === "stdout" ? `EXPRAG::${text}` : text;
      this.runFile.add("parse_error", JSON.stringify({ raw, reason: payload.reason, source }));
      if (++this.counts.parse_error <= SHOWN_PARSE_ERRORS) {
        const shown = raw.length > SHOWN_RAW_CHARS ? `${raw.slice(0, SHOWN_RAW_CHARS)}…` : raw;
        this.warn(`record line on ${source} not recorded (${payload.reason}), kept as parse_error: ${shown}`);
      }
      return false;
    }
    const { value, note, meta } = payload;
    if (meta !== undefined) {
      this.runFile.add("meta", meta, value === null ? note : undefined);
      this.counts.meta++;
    }
    if (value !== null) {
      this.runFile.add("track", value, note);
      this.counts.track++;
    } else if (meta === undefined) {
      this.runFile.add("note", "null", note);
      this.counts.note++;
    }
    return true;
  }

  /** The closing word on unparsable lines that were not shown one by one. */
  summary(): string | null {
    const unshown = this.counts.parse_error - SHOWN_PARSE_ERRORS;
    return unshown > 0 ? `${unshown} more record lines did not parse; all are kept as parse_error records` : null;
  }
}

/** Splits a byte stream into text lines (`\n` or `\r\n`); a last line without newline counts. */
export class LineSplitter {
  private partial: Buffer[] = [];

  constructor(private readonly onLine: (text: string) => void) {}

  push(chunk: Uint8Array): void {
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let end = data.indexOf(10); end >= 0; end = data.indexOf(10, start)) {
      const piece = data.subarray(start, end);
      const line = this.partial.length ? Buffer.concat([...this.partial, piece]) : piece;
      this.partial = [];
      this.emit(line);
      start = end + 1;
    }
    if (start < data.length) this.partial.push(Buffer.from(data.subarray(start)));
  }

  end(): void {
    if (this.partial.length) this.emit(Buffer.concat(this.partial));
    this.partial = [];
  }

  private emit(line: Buffer): void {
    const text = line.toString("utf8", 0, line.at(-1) === 13 ? line.length - 1 : line.length);
    if (text.trim()) this.onLine(text);
  }
}
