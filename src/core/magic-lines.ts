/**
 * Splits a child's stdout into the bytes to pass through and the magic lines to record.
 *
 * Output is cut into segments, each ended by `\n`, `\r\n`, a lone `\r`, or the end of the stream.
 * A segment ended by a line ending (or by the end) whose text starts with `EXPRAG::` is a magic
 * line; a segment ended by a lone `\r` is progress-bar output and always passes through, so
 * `"50%\rEXPRAG::{...}\n"` shows the progress and records the value. Every other byte is passed
 * through as soon as it arrives, except a few bytes at the start of a segment that could still
 * become `EXPRAG::`; those wait for the next chunk (or `flushHeld`).
 */

export const MAGIC_PREFIX = "EXPRAG::";
const MAGIC = Buffer.from(MAGIC_PREFIX);
const LF = 10;
const CR = 13;

export interface MagicLineSink {
  /** Bytes for the terminal, in order. The array may be a view into a chunk: copy it to keep it. */
  passthrough(bytes: Uint8Array): void;
  /** The text after `EXPRAG::`, line ending removed. False passes the line through as it was. */
  magicLine(payload: string): boolean;
}

const isBoundary = (byte: number | undefined) => byte === LF || byte === CR;

function isMagicPrefix(data: Buffer, start: number, end: number): boolean {
  const length = end - start;
  return length > 0 && length < MAGIC.length && data.compare(MAGIC, 0, length, start, end) === 0;
}

export class MagicLineScanner {
  /** The bytes seen at the current position start a segment. */
  private atSegmentStart = true;
  /** Start of a segment that may still become `EXPRAG::` (fewer than 8 bytes). */
  private heldPrefix: Buffer | null = null;
  /** A magic segment whose end has not arrived yet. */
  private magicPieces: Buffer[] | null = null;
  /** The magic segment so far ends with `\r`: CRLF if the next byte is `\n`, else progress output. */
  private magicEndsWithCR = false;

  constructor(
    private readonly sink: MagicLineSink,
    private readonly echo = false,
  ) {}

  push(chunk: Uint8Array): void {
    let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    if (this.magicPieces) {
      pos = this.continueMagic(data);
      if (pos < 0) return;
    } else if (this.heldPrefix) {
      data = Buffer.concat([this.heldPrefix, data]);
      this.heldPrefix = null;
      this.atSegmentStart = true;
    }
    this.scan(data, pos);
  }

  /** Passes through a held segment start (a prompt such as `E` waiting for input). */
  flushHeld(): void {
    if (!this.heldPrefix) return;
    this.sink.passthrough(this.heldPrefix);
    this.heldPrefix = null;
    this.atSegmentStart = false;
  }

  get holdsPrefix(): boolean {
    return this.heldPrefix !== null;
  }

  /** End of stream: a last line without a newline is still a complete line. */
  end(): void {
    if (this.magicPieces) this.finishMagic(this.magicPieces, this.magicEndsWithCR ? [Buffer.from("\r")] : []);
    this.magicPieces = null;
    this.flushHeld();
  }

  private scan(data: Buffer, pos: number): void {
    const length = data.length;
    let forwardFrom = pos;
    let segmentStart = pos === 0 ? this.atSegmentStart : true;
    while (pos < length) {
      if (segmentStart) {
        if (isMagicPrefix(data, pos, length)) {
          this.forward(data, forwardFrom, pos);
          this.heldPrefix = Buffer.from(data.subarray(pos));
          return;
        }
        if (length - pos >= MAGIC.length && data.compare(MAGIC, 0, MAGIC.length, pos, pos + MAGIC.length) === 0) {
          this.forward(data, forwardFrom, pos);
          const next = this.startMagic(data, pos);
          if (next < 0) return;
          pos = forwardFrom = next;
          continue;
        }
      }
      const found = data.indexOf(MAGIC, pos + 1);
      if (found < 0) break;
      pos = found;
      segmentStart = isBoundary(data[found - 1]);
    }
    // No complete `EXPRAG::` is left; hold the tail only if it starts a segment and could become one.
    const tailStart = this.lastSegmentStart(data, forwardFrom);
    if (tailStart >= 0 && isMagicPrefix(data, tailStart, length)) {
      this.forward(data, forwardFrom, tailStart);
      this.heldPrefix = Buffer.from(data.subarray(tailStart));
      return;
    }
    this.forward(data, forwardFrom, length);
    if (length > forwardFrom) this.atSegmentStart = isBoundary(data[length - 1]);
  }

  /** Start of the chunk's last segment when it is shorter than `EXPRAG::`, else -1. */
  private lastSegmentStart(data: Buffer, from: number): number {
    for (let i = data.length - 1; i >= Math.max(from, data.length - MAGIC.length); i--) {
      if (isBoundary(data[i])) return i + 1;
    }
    const startsSegment = from > 0 || this.atSegmentStart;
    return startsSegment && data.length - from < MAGIC.length ? from : -1;
  }

  /** A magic segment starts at `start`. Returns where scanning resumes, or -1 when it continues in the next chunk. */
  private startMagic(data: Buffer, start: number): number {
    const end = this.segmentEnd(data, start);
    if (end.kind === "open") {
      this.magicPieces = [Buffer.from(data.subarray(start, end.contentEnd))];
      this.magicEndsWithCR = end.pendingCR;
      return -1;
    }
    if (end.kind === "progress") {
      this.forward(data, start, end.resume);
      return end.resume;
    }
    this.finishMagic([data.subarray(start, end.contentEnd)], [data.subarray(end.contentEnd, end.resume)]);
    return end.resume;
  }

  /** Continues an open magic segment with a new chunk. Returns where scanning resumes, or -1. */
  private continueMagic(data: Buffer): number {
    const pieces = this.magicPieces!;
    if (this.magicEndsWithCR) {
      this.magicEndsWithCR = false;
      this.magicPieces = null;
      if (data[0] === LF) {
        this.finishMagic(pieces, [Buffer.from("\r\n")]);
        this.atSegmentStart = true;
        return 1;
      }
      for (const piece of pieces) this.sink.passthrough(piece);
      this.sink.passthrough(Buffer.from("\r"));
      this.atSegmentStart = true;
      return 0;
    }
    const end = this.segmentEnd(data, 0);
    if (end.kind === "open") {
      pieces.push(Buffer.from(data.subarray(0, end.contentEnd)));
      this.magicEndsWithCR = end.pendingCR;
      return -1;
    }
    this.magicPieces = null;
    this.atSegmentStart = true;
    if (end.kind === "progress") {
      for (const piece of pieces) this.sink.passthrough(piece);
      this.forward(data, 0, end.resume);
      return end.resume;
    }
    pieces.push(data.subarray(0, end.contentEnd));
    this.finishMagic(pieces, [data.subarray(end.contentEnd, end.resume)]);
    return end.resume;
  }

  /**
   * Where the segment starting at `start` ends: a line ending (`line`), a lone `\r` (`progress`),
   * or not in this chunk (`open`, with `pendingCR` when the chunk's last byte is a `\r`).
   */
  private segmentEnd(data: Buffer, start: number):
    | { kind: "line" | "progress"; contentEnd: number; resume: number }
    | { kind: "open"; contentEnd: number; pendingCR: boolean } {
    const lf = data.indexOf(LF, start);
    const cr = data.indexOf(CR, start);
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      if (cr === data.length - 1) return { kind: "open", contentEnd: cr, pendingCR: true };
      if (data[cr + 1] === LF) return { kind: "line", contentEnd: cr, resume: cr + 2 };
      return { kind: "progress", contentEnd: cr, resume: cr + 1 };
    }
    if (lf < 0) return { kind: "open", contentEnd: data.length, pendingCR: false };
    return { kind: "line", contentEnd: lf, resume: lf + 1 };
  }

  private finishMagic(content: Buffer[], ending: Buffer[]): void {
    const line = content.length === 1 ? content[0]! : Buffer.concat(content);
    const recorded = this.sink.magicLine(line.toString("utf8", MAGIC.length));
    if (this.echo || !recorded) {
      this.sink.passthrough(line);
      for (const piece of ending) if (piece.length) this.sink.passthrough(piece);
    }
    this.atSegmentStart = true;
  }

  private forward(data: Buffer, from: number, to: number): void {
    if (to > from) this.sink.passthrough(data.subarray(from, to));
  }
}
