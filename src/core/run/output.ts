/**
 * The terminal side of a run: exprag's stdout and stderr, plus the output log. On Linux, writes to
 * a pipe take only the room the pipe has, so a stalled reader never blocks the event loop (and
 * with it the signals to relay). A destination that fails (disk full, device error) is given
 * up, the others go on, and `failures` says what was lost.
 */
import { fstatSync, writeSync } from "node:fs";
import { errnoCode, errnoReason, isErrno } from "../errors";
import { writeFully } from "../os/io";
import { type Platform, platform } from "../os/platform";
import { enlargePipe, pipeRoom } from "../os/posix";
import { stopWaitingForStderr } from "../os/stderr-gate";

/**
 * Writes to one of exprag's own descriptors. When it is a pipe (Linux), only what the pipe
 * surely takes is written and the rest waits in a queue; elsewhere writes simply block.
 */
class FdWriter {
  private pending: { data: Uint8Array; start: number; end: number }[] = [];
  gone = false;
  failure: string | null = null;
  abandoned = 0;
  lastProgressAt = 0;

  constructor(
    private readonly fd: number,
    private readonly paced: boolean,
    private readonly onEpipe: () => void,
  ) {
    // More room in the pipe to our reader means fewer waits for it.
    if (paced) enlargePipe(fd, 1 << 20);
  }

  write(data: Uint8Array, start: number, end: number): void {
    if (this.gone) return;
    if (!this.paced) {
      try {
        writeFully(this.fd, data, start, end);
      } catch (error) {
        this.failed(error);
      }
      return;
    }
    this.pending.push({ data, start, end });
    this.writeWhatFits();
  }

  /**
   * A promise while output waits for room; nothing when all of it is out. A reader that keeps up
   * frees room within microseconds, so retries come on the next turn of the event loop at first
   * and back off only for a reader that has stopped.
   */
  wait(): Promise<void> | undefined {
    if (!this.stalled()) return undefined;
    return new Promise((resolve) => {
      let attempts = 0;
      const retry = () => {
        if (this.writeWhatFits()) return resolve();
        attempts++;
        if (attempts < 200) setImmediate(retry);
        else setTimeout(retry, Math.min(20, attempts - 199));
      };
      setImmediate(retry);
    });
  }

  stalled(): boolean {
    return this.pending.length > 0;
  }

  /** Drops what the reader would not take (only after a signal told exprag to stop). */
  abandon(): void {
    for (const item of this.pending) this.abandoned += item.end - item.start;
    this.pending = [];
  }

  /** Writes queued output as far as the pipe has room; true when nothing is left waiting. */
  private writeWhatFits(): boolean {
    while (this.pending.length && !this.gone) {
      const item = this.pending[0]!;
      const room = pipeRoom(this.fd) ?? item.end - item.start;
      if (room <= 0) return false;
      try {
        item.start += writeSync(this.fd, item.data, item.start, Math.min(room, item.end - item.start));
      } catch (error) {
        if (isErrno(error, "EAGAIN")) return false;
        this.failed(error);
      }
      this.lastProgressAt = performance.now();
      if (item.start >= item.end) this.pending.shift();
    }
    if (this.gone) this.pending = [];
    return true;
  }

  private failed(error: unknown): void {
    this.gone = true;
    this.pending = [];
    const code = errnoCode(error);
    if (code === "EPIPE") this.onEpipe();
    else this.failure = code ?? String(error);
  }
}

/**
 * stdout, stderr and the log. When stderr is the same pipe as stdout (`2>&1`), both go through
 * one queue, in order.
 */
export class Output {
  private readonly out: FdWriter;
  private readonly err: FdWriter;
  private logFailure: string | null = null;
  /** Whoever read our stdout is gone: stop reading the child's, so its next write gets SIGPIPE. */
  onStdoutGone = () => {};

  constructor(private readonly log: number | null) {
    this.out = new FdWriter(1, isPacedPipe(1), () => this.onStdoutGone());
    this.err = samePipe(1, 2) && isPacedPipe(2) ? this.out : new FdWriter(2, isPacedPipe(2), () => {});
  }

  stdout(data: Uint8Array, start: number, end: number): void {
    this.toLog(data, start, end);
    this.out.write(data, start, end);
  }

  stderr(bytes: Uint8Array): void {
    this.toLog(bytes, 0, bytes.length);
    this.err.write(bytes, 0, bytes.length);
  }

  waitForStdout(): Promise<void> | undefined {
    return this.out.wait();
  }

  waitForStderr(): Promise<void> | undefined {
    return this.err.wait();
  }

  /** Output is waiting for room in a pipe to our reader. */
  stalled(): boolean {
    return this.out.stalled() || this.err.stalled();
  }

  get lastProgressAt(): number {
    return Math.max(this.out.lastProgressAt, this.err.lastProgressAt);
  }

  abandon(): void {
    if (this.err.stalled()) stopWaitingForStderr((bytes) => (pipeRoom(2) ?? bytes) >= bytes);
    this.out.abandon();
    this.err.abandon();
  }

  failures(): string[] {
    const abandoned = this.out.abandoned + (this.err === this.out ? 0 : this.err.abandoned);
    return [
      this.out.failure && `could not write the command's output to stdout (${this.out.failure}); it is in the log`,
      abandoned > 0 && `${abandoned} bytes of output were never read before exprag was stopped${this.log === null ? "" : "; they are in the log"}`,
      this.logFailure && `the output log is incomplete (${this.logFailure})`,
    ].filter((message): message is string => typeof message === "string" && message.length > 0);
  }

  private toLog(data: Uint8Array, start: number, end: number): void {
    if (this.log === null || this.logFailure) return;
    try {
      writeFully(this.log, data, start, end);
    } catch (error) {
      this.logFailure = errnoReason(error);
    }
  }
}

/** Whether writes to `fd` are paced to the room in its pipe (a pipe, where `on` can tell its room: Linux). */
export function isPacedPipe(fd: number, on: Platform = platform): boolean {
  if (!on.pipePacing) return false;
  try {
    return fstatSync(fd).isFIFO() && pipeRoom(fd) !== null;
  } catch {
    return false;
  }
}

/** Whether two descriptors are the same pipe (as with `2>&1`). */
function samePipe(a: number, b: number): boolean {
  try {
    const [x, y] = [fstatSync(a), fstatSync(b)];
    return x.isFIFO() && x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
