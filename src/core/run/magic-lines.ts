/**
 * Splits a child's stdout into the bytes to pass through and the magic lines to record.
 *
 * Output is cut into segments, each ended by `\n`, `\r\n`, a lone `\r`, or the end of the stream.
 * A segment ended by a line ending (or by the end) whose text starts with `EXPRAG::` is a magic
 * line; a segment ended by a lone `\r` is progress-bar output and always passes through, so
 * `"50%\rEXPRAG::{...}\n"` shows the progress and records the value. Every other byte is passed
 * through as soon as it arrives, except a few bytes at the start of a segment that could still
 * become `EXPRAG::`; those wait for the next chunk (or `flushHeld`).
 *
 * This is the hot path of `exprag run`: the sink gets offsets into the chunk, not copies.
 */

export const MAGIC_PREFIX = "EXPRAG::";
const MAGIC = Buffer.from(MAGIC_PREFIX);
const LF = 10;
const CR = 13;
const CR_BYTES = Buffer.from("\r");
const CRLF_BYTES = Buffer.from("\r\n");

export interface MagicLineSink {
  /** Bytes `data[start..end)` for the terminal, in order. */
  passthrough(data: Buffer, start: number, end: number): void;
  /** A magic line's payload, `data[start..end)`: the bytes after `EXPRAG::`, line ending removed.
   * False passes the line through as it was. */
  magicLine(data: Buffer, start: number, end: number): boolean;
  /** A magic line grew past the limit: it is passed through as ordinary output from here on. */
  tooLong(start: Buffer, bytes: number): void;
}

/** A record line longer than this is not held any longer: a runaway line must not eat memory unseen. */
export const MAX_RECORD_LINE_BYTES = 64 * 1024 * 1024;

const isBoundary = (byte: number | undefined) => byte === LF || byte === CR;

/** Whether `data[start..end)` equals the first `end - start` bytes of `EXPRAG::`. */
function matchesMagic(data: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (data[i] !== MAGIC[i - start]) return false;
  return true;
}

/** How a segment ends within a chunk: a line ending, a lone `\r`, or not in this chunk. */
enum End {
  Line,
  Progress,
  Open,
}

export class MagicLineScanner {
  /** The bytes seen at the current position start a segment. */
  private atSegmentStart = true;
  /** Start of a segment that may still become `EXPRAG::` (fewer than 8 bytes). */
  private heldPrefix: Buffer | null = null;
  /** A magic segment whose end has not arrived yet, and its size so far. */
  private magicPieces: Buffer[] | null = null;
  private magicBytes = 0;
  /** The open magic segment ends with `\r`: CRLF if the next byte is `\n`, else progress output. */
  private magicEndsWithCR = false;
  /** The next `\r` at or after `crSearchedFrom` in `crChunk` (-1: none), so a chunk is searched once. */
  private crChunk: Buffer | null = null;
  private crSearchedFrom = 0;
  private crAt = -1;
  /** Result of `findSegmentEnd`, kept in fields to spare an allocation per line. */
  private endKind = End.Open;
  private contentEnd = 0;
  private resume = 0;

  constructor(
    private readonly sink: MagicLineSink,
    private readonly echo = false,
    private readonly maxLineBytes = MAX_RECORD_LINE_BYTES,
  ) {}

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.crChunk = null;
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
    this.sink.passthrough(this.heldPrefix, 0, this.heldPrefix.length);
    this.heldPrefix = null;
    this.atSegmentStart = false;
  }

  get holdsPrefix(): boolean {
    return this.heldPrefix !== null;
  }

  /** End of stream: a last line without a newline is still a complete line. */
  end(): void {
    if (this.magicPieces) this.finishPieces(this.magicPieces, this.magicEndsWithCR ? CR_BYTES : null);
    this.magicPieces = null;
    this.flushHeld();
  }

  private scan(data: Buffer, pos: number): void {
    const length = data.length;
    let forwardFrom = pos;
    let segmentStart = pos === 0 ? this.atSegmentStart : true;
    while (pos < length) {
      if (segmentStart) {
        const available = length - pos;
        if (available < MAGIC.length && matchesMagic(data, pos, length)) {
          this.forward(data, forwardFrom, pos);
          this.heldPrefix = Buffer.from(data.subarray(pos));
          return;
        }
        if (available >= MAGIC.length && matchesMagic(data, pos, pos + MAGIC.length)) {
          this.forward(data, forwardFrom, pos);
          this.findSegmentEnd(data, pos);
          if (this.endKind === End.Open) {
            this.magicPieces = [Buffer.from(data.subarray(pos, this.contentEnd))];
            this.magicBytes = this.contentEnd - pos;
            this.magicEndsWithCR = this.contentEnd < length;
            return;
          }
          const resume = this.resume;
          if (this.endKind === End.Progress) this.forward(data, pos, resume);
          else this.finishLine(data, pos, this.contentEnd, resume);
          pos = forwardFrom = resume;
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
    if (tailStart >= 0 && tailStart < length && matchesMagic(data, tailStart, length)) {
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

  /** Continues an open magic segment with a new chunk. Returns where scanning resumes, or -1. */
  private continueMagic(data: Buffer): number {
    const pieces = this.magicPieces!;
    if (this.magicEndsWithCR) {
      this.magicEndsWithCR = false;
      this.magicPieces = null;
      this.atSegmentStart = true;
      if (data[0] === LF) {
        this.finishPieces(pieces, CRLF_BYTES);
        return 1;
      }
      for (const piece of pieces) this.sink.passthrough(piece, 0, piece.length);
      this.sink.passthrough(CR_BYTES, 0, 1);
      return 0;
    }
    this.findSegmentEnd(data, 0);
    if (this.endKind === End.Open) {
      pieces.push(Buffer.from(data.subarray(0, this.contentEnd)));
      this.magicBytes += this.contentEnd;
      this.magicEndsWithCR = this.contentEnd < data.length;
      if (this.magicBytes > this.maxLineBytes) this.giveUpMagic(pieces);
      return -1;
    }
    this.magicPieces = null;
    this.atSegmentStart = true;
    if (this.endKind === End.Progress) {
      for (const piece of pieces) this.sink.passthrough(piece, 0, piece.length);
      this.forward(data, 0, this.resume);
      return this.resume;
    }
    pieces.push(data.subarray(0, this.contentEnd));
    this.finishPieces(pieces, data.subarray(this.contentEnd, this.resume));
    return this.resume;
  }

  /**
   * Where the segment starting at `start` ends: a line ending (`Line`), a lone `\r`
   * (`Progress`), or not in this chunk (`Open`; `contentEnd` stops before a final `\r`).
   */
  private findSegmentEnd(data: Buffer, start: number): void {
    const lf = data.indexOf(LF, start);
    const cr = this.nextCR(data, start);
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      this.contentEnd = cr;
      if (cr === data.length - 1) this.endKind = End.Open;
      else {
        this.endKind = data[cr + 1] === LF ? End.Line : End.Progress;
        this.resume = data[cr + 1] === LF ? cr + 2 : cr + 1;
      }
    } else if (lf < 0) {
      this.endKind = End.Open;
      this.contentEnd = data.length;
    } else {
      this.endKind = End.Line;
      this.contentEnd = lf;
      this.resume = lf + 1;
    }
  }

  private nextCR(data: Buffer, from: number): number {
    const known = this.crChunk === data && from >= this.crSearchedFrom && (this.crAt < 0 || this.crAt >= from);
    if (!known) {
      this.crChunk = data;
      this.crSearchedFrom = from;
      this.crAt = data.indexOf(CR, from);
    }
    return this.crAt;
  }

  /** Passes a runaway magic line through as it was; the rest of it follows as ordinary output. */
  private giveUpMagic(pieces: Buffer[]): void {
    this.sink.tooLong(pieces[0]!, this.magicBytes);
    for (const piece of pieces) this.sink.passthrough(piece, 0, piece.length);
    if (this.magicEndsWithCR) this.sink.passthrough(CR_BYTES, 0, 1);
    this.atSegmentStart = this.magicEndsWithCR;
    this.magicEndsWithCR = false;
    this.magicPieces = null;
  }

  /** A magic line within one chunk: content `data[start..contentEnd)`, ending up to `resume`. */
  private finishLine(data: Buffer, start: number, contentEnd: number, resume: number): void {
    const recorded = this.sink.magicLine(data, start + MAGIC.length, contentEnd);
    if (this.echo || !recorded) this.sink.passthrough(data, start, resume);
    this.atSegmentStart = true;
  }

  /** A magic line that spanned chunks. */
  private finishPieces(pieces: Buffer[], ending: Buffer | null): void {
    const line = Buffer.concat(pieces);
    const recorded = this.sink.magicLine(line, MAGIC.length, line.length);
    if (this.echo || !recorded) {
      this.sink.passthrough(line, 0, line.length);
      if (ending) this.sink.passthrough(ending, 0, ending.length);
    }
    this.atSegmentStart = true;
  }

  private forward(data: Buffer, from: number, to: number): void {
    if (to > from) this.sink.passthrough(data, from, to);
  }
}
