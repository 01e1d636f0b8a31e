/**
 * The child's three pipes while it runs: stdout through the magic-line scanner (records out,
 * everything else through), stderr straight through, EXPRAG_FD into records. Each chunk is
 * stamped, handled, and its records flushed to the run file in one write.
 */

import type { RunFile } from "../record/writer";
import type { RecordIngest } from "./ingest";
import { LineSplitter } from "./ingest";
import { MagicLineScanner } from "./magic-lines";
import type { Output } from "./output";
import { type DrainState, drainWithGrace, PipeReader } from "./pipes";
import type { Spawned } from "./spawn";
import { StderrTail } from "./stderr-tail";

/** A segment start that could become `EXPRAG::` is shown after this long without more output. */
const HELD_PREFIX_MS = 100;

export class CommandStreams {
  private readonly readers: PipeReader[] = [];
  private readonly scanner: MagicLineScanner;
  private readonly fdLines: LineSplitter;
  private heldTimer: Timer | undefined;
  private lastOutputAt = performance.now();
  /** The end of the command's stderr, for run_end. */
  readonly stderrTail = new StderrTail();

  constructor(
    child: Spawned,
    private readonly runFile: RunFile,
    ingest: RecordIngest,
    private readonly output: Output,
    echo: boolean,
    warn: (message: string) => void,
  ) {
    this.scanner = new MagicLineScanner(
      {
        passthrough: (data, start, end) => output.stdout(data, start, end),
        magicLine: (data, start, end) => ingest.lineBytes(data, start, end, "stdout"),
        tooLong: (start, bytes) => ingest.tooLong(start, bytes, "stdout"),
      },
      echo,
    );
    this.fdLines = new LineSplitter(
      (data, start, end) => ingest.lineBytes(data, start, end, "fd"),
      (start, bytes) => ingest.tooLong(start, bytes, "fd"),
    );
    const onError = (error: unknown) => warn(`internal error while reading the command's output: ${error instanceof Error ? error.message : error}`);
    const stdout = new PipeReader(child.stdout, (chunk) => this.onStdout(chunk), onError);
    this.readers.push(stdout);
    output.onStdoutGone = () => stdout.cancel();
    if (child.stderr) {
      const onStderr = (chunk: Uint8Array) => {
        this.stderrTail.push(chunk);
        output.stderr(chunk);
        this.afterChunk();
        return output.waitForStderr();
      };
      this.readers.push(new PipeReader(child.stderr, onStderr, onError));
    }
    if (child.records) {
      const onRecords = (chunk: Uint8Array) => {
        runFile.tick();
        this.fdLines.push(chunk);
        this.afterChunk();
      };
      this.readers.push(new PipeReader(child.records, onRecords, onError));
    }
  }

  private onStdout(chunk: Uint8Array): Promise<void> | undefined {
    clearTimeout(this.heldTimer);
    this.runFile.tick();
    this.scanner.push(chunk);
    this.afterChunk();
    if (this.scanner.holdsPrefix) {
      this.heldTimer = setTimeout(() => {
        this.scanner.flushHeld();
        void this.output.waitForStdout(); // released bytes the pipe cannot take yet still go out
      }, HELD_PREFIX_MS);
    }
    return this.output.waitForStdout();
  }

  private afterChunk(): void {
    this.lastOutputAt = performance.now();
    this.runFile.flush();
  }

  /**
   * After the command exited: reads on until every pipe ends or the grace is over, then ends the
   * scanners (a last line without newline is a line) and lets the released output out.
   */
  async finish(exitedAt: number, stopRequested: () => boolean): Promise<void> {
    const state = (): DrainState => ({
      now: performance.now(),
      exitedAt,
      lastActivityAt: Math.max(this.lastOutputAt, this.output.lastProgressAt),
      stalled: this.output.stalled(),
      stopRequested: stopRequested(),
    });
    await drainWithGrace(this.readers, state, () => this.output.abandon());
    clearTimeout(this.heldTimer);
    this.runFile.tick();
    this.scanner.end();
    this.fdLines.end();
    // What the end of the stream released (a last line without newline) still reaches stdout.
    const rest = this.output.stalled() ? Promise.all([this.output.waitForStdout(), this.output.waitForStderr()]) : undefined;
    if (rest && stopRequested()) this.output.abandon();
    else if (rest) await rest;
  }
}
