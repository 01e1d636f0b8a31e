/**
 * Turns record lines written by the child (magic lines on stdout, lines on EXPRAG_FD) into
 * records of the run file, counting them and keeping what does not parse as `parse_error`.
 */

import { type Divergence, noRecordCounts, type RecordCounts } from "../record/schema";
import type { RunFile } from "../record/writer";
import { divergenceOf } from "../rules/divergence";
import { LineShapes } from "./line-shape";
import { MAX_RECORD_LINE_BYTES } from "./magic-lines";
import type { PathProbe } from "./path-probe";
import { isPlainJson } from "./plain-json";
import { parsePayload } from "./protocol";

export type RecordSource = "stdout" | "fd";

/** Text that may hold a number too large to be finite: an exponent of three digits, or 300 digits in a row. */
const MAY_NOT_BE_FINITE = /[eE]\+?\d{3}|\d{300}/;

/** What reads each track record as it is recorded: through a probe while the line is checked, or parsed. */
export interface TrackObserver {
  /** The paths it reads, noted while the line is checked; null when it needs every record parsed. Read when the observer is set. */
  readonly probe: PathProbe | null;
  /** A probed line the probe finds quiet (PathProbe.isQuiet) would tell it nothing now: it is not told of one. */
  quiet: boolean;
  /** A line `data[start..end)` at `line` of the run file, its values in `probe`. */
  probed(data: Buffer, start: number, end: number, line: number): void;
  parsed(value: unknown, line: number): void;
}

/** How many unparsable lines are shown one by one before they are only counted. */
const SHOWN_PARSE_ERRORS = 3;
const SHOWN_RAW_CHARS = 200;

export class RecordIngest {
  readonly counts: RecordCounts = noRecordCounts();
  /** The first tracked number that was NaN or infinite. */
  divergence: Divergence | null = null;
  private reader: TrackObserver | null = null;
  /** The shapes of the last lines the observer's probe read (see LineShapes). */
  private shapes: LineShapes | null = null;

  constructor(
    private readonly runFile: RunFile,
    private readonly warn: (message: string) => void,
  ) {}

  /** Told of each track record (stop rules read them). */
  get observer(): TrackObserver | null {
    return this.reader;
  }

  set observer(observer: TrackObserver | null) {
    this.reader = observer;
    this.shapes = observer?.probe ? new LineShapes(observer.probe) : null;
  }

  /**
   * Records the line `data[start..end)`; false when it did not parse (it is kept as
   * `parse_error`). Plain JSON, the common case, is copied as it came without being parsed.
   */
  lineBytes(data: Buffer, start: number, end: number, source: RecordSource): boolean {
    const shapes = this.shapes;
    if (!(shapes ? shapes.check(data, start, end) : isPlainJson(data, start, end))) return this.line(data.toString("utf8", start, end), source);
    const observer = this.reader;
    const line = this.runFile.nextLine;
    this.runFile.addBytes("track", data, start, end);
    this.counts.track++;
    if (observer) {
      const probe = observer.probe;
      if (probe && !probe.complex) {
        if (!observer.quiet || !probe.isQuiet(data)) observer.probed(data, start, end, line);
      } else observer.parsed(JSON.parse(data.toString("utf8", start, end)), line);
    }
    return true;
  }

  /** Records one line of text (see `lineBytes`). */
  line(text: string, source: RecordSource): boolean {
    const payload = parsePayload(text);
    if (!payload.ok) {
      const raw = source === "stdout" ? `EXPRAG::${text}` : text;
      this.runFile.add("parse_error", JSON.stringify({ raw, reason: payload.reason, source }));
      if (++this.counts.parse_error <= SHOWN_PARSE_ERRORS) {
        // Quoted, so control characters in the line (escape sequences, \r) cannot garble the terminal.
        const shown = JSON.stringify(raw.length > SHOWN_RAW_CHARS ? `${raw.slice(0, SHOWN_RAW_CHARS)}…` : raw);
        this.warn(`record line on ${source} not recorded (${payload.reason}), kept as parse_error: ${shown}`);
      }
      return false;
    }
    const { value, note, meta, params } = payload;
    if (params !== undefined) this.runFile.add("params", params, value === null && meta === undefined ? note : undefined);
    if (meta !== undefined) {
      this.runFile.add("meta", meta, value === null ? note : undefined);
      this.counts.meta++;
    }
    if (value !== null) {
      const line = this.runFile.nextLine;
      // Python's NaN and Infinity tokens, numbers written too large to be finite, and the strings
      // "NaN", "Infinity", "-Infinity" (what the others are stored as, read back as such) are a divergence.
      const mayDiverge = !this.divergence && (payload.nonFinite || MAY_NOT_BE_FINITE.test(value) || value.includes('"NaN"') || value.includes('Infinity"'));
      const parsed = this.observer || mayDiverge ? JSON.parse(value) : undefined;
      if (mayDiverge) this.divergence = divergenceOf(parsed, this.runFile.path, line);
      this.runFile.add("track", value, note);
      this.counts.track++;
      this.observer?.parsed(parsed, line);
    } else if (meta === undefined && params === undefined) {
      this.runFile.add("note", "null", note);
      this.counts.note++;
    }
    return true;
  }

  /** A record line that grew past the limit: only its start is kept. */
  tooLong(start: Buffer, bytes: number, source: RecordSource): void {
    const raw = start.toString("utf8", 0, Math.min(start.length, 1024));
    this.runFile.add("parse_error", JSON.stringify({ raw, reason: `longer than ${MAX_RECORD_LINE_BYTES} bytes (${bytes} so far); not recorded`, source }));
    this.counts.parse_error++;
    const fate = source === "stdout" ? "shown as ordinary output" : "dropped";
    this.warn(`a record line on ${source} passed ${MAX_RECORD_LINE_BYTES} bytes without ending; ${fate}, its start kept as parse_error`);
  }

  /** The closing word on unparsable lines that were not shown one by one. */
  summary(): string | null {
    const unshown = this.counts.parse_error - SHOWN_PARSE_ERRORS;
    return unshown > 0 ? `${unshown} more record lines did not parse; all are kept as parse_error records` : null;
  }
}

/**
 * Splits a byte stream into lines (`\n` or `\r\n`); a last line without newline counts. Empty
 * lines are skipped; a line that grows past the limit is reported and dropped up to its end.
 */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private dropping = false;

  constructor(
    private readonly onLine: (data: Buffer, start: number, end: number) => void,
    private readonly onTooLong: (start: Buffer, bytes: number) => void,
    private readonly maxLineBytes = MAX_RECORD_LINE_BYTES,
  ) {}

  push(chunk: Uint8Array): void {
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let end = data.indexOf(10); end >= 0; end = data.indexOf(10, start)) {
      if (this.dropping) {
        this.dropping = false;
      } else if (this.partial.length) {
        this.partial.push(data.subarray(start, end));
        const line = Buffer.concat(this.partial);
        this.partial = [];
        this.partialBytes = 0;
        this.emit(line, 0, line.length);
      } else {
        this.emit(data, start, end);
      }
      start = end + 1;
    }
    if (start >= data.length || this.dropping) return;
    this.partial.push(Buffer.from(data.subarray(start)));
    this.partialBytes += data.length - start;
    if (this.partialBytes > this.maxLineBytes) {
      this.onTooLong(this.partial[0]!, this.partialBytes);
      this.partial = [];
      this.partialBytes = 0;
      this.dropping = true;
    }
  }

  end(): void {
    if (!this.partial.length) return;
    const line = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    this.emit(line, 0, line.length);
  }

  private emit(data: Buffer, start: number, end: number): void {
    if (end > start && data[end - 1] === 13) end--;
    if (end > start) this.onLine(data, start, end);
  }
}
