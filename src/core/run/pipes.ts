/** Reading the child's pipes to their end, and knowing when to stop waiting for that end. */
import { closeSync } from "node:fs";
import type { Source } from "./spawn";

/** After the command exits, output still arriving from a background child is waited for this long. */
export const GRACE_IDLE_MS = 250;
export const GRACE_MAX_MS = 2000;

/**
 * Reads a pipe until its end, or until cancelled; owns and closes its descriptor. A chunk whose
 * handling fails is reported once and reading goes on, so the child's output keeps flowing.
 *
 * `onChunk` must not keep the chunk (or a view of it) once it has returned, or once the promise it
 * returned has settled: from a descriptor, each chunk's memory is then freed at once
 * (`releaseChunk`). Left to the garbage collector, a fast command's chunks piled up between
 * collections: a 512 MiB passthrough peaked at 527 MB in one run of three on a loaded machine.
 */
export class PipeReader {
  readonly done: Promise<void>;
  private readonly reader;

  constructor(source: Source, onChunk: (chunk: Uint8Array) => void | Promise<void>, onError: (error: unknown) => void) {
    const fd = typeof source === "number" ? source : null;
    const reader = (fd === null ? (source as ReadableStream<Uint8Array>) : Bun.file(fd).stream()).getReader();
    this.reader = reader;
    let failed = false;
    this.done = (async () => {
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          try {
            // A promise means the chunk's output waits for room: read no more until it is out.
            const written = onChunk(r.value);
            if (written) await written;
            if (fd !== null) releaseChunk(r.value);
          } catch (error) {
            if (!failed) onError(error);
            failed = true;
          }
        }
      } catch (error) {
        onError(error);
      } finally {
        if (fd !== null) closeSync(fd);
      }
    })();
  }

  cancel(): void {
    this.reader.cancel().catch(() => {});
  }
}

/**
 * Frees a chunk's memory now, when the chunk is the whole of its buffer (as each chunk of Bun's
 * file stream is): transferring a buffer detaches it and drops its contents. A chunk sharing its
 * buffer is left to the garbage collector.
 */
export function releaseChunk(chunk: Uint8Array): void {
  const buffer = chunk.buffer;
  if (buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength) buffer.transfer(0);
}

/** Where the wait for the pipes' end stands, once the command has exited. */
export interface DrainState {
  now: number;
  exitedAt: number;
  /** The last time output arrived from the child or reached our reader. */
  lastActivityAt: number;
  /** Output is still waiting for room in a pipe to our reader. */
  stalled: boolean;
  /** A signal told exprag to stop. */
  stopRequested: boolean;
}

/**
 * What to do next: wait on; stop reading (a background writer idle for GRACE_IDLE_MS, or
 * GRACE_MAX_MS after the exit); or also drop output our reader never took (only when told to
 * stop, since a stalled reader must not keep exprag alive then). Output waiting for a reader
 * that is still there is always waited for, as the command would have waited.
 */
export function drainDecision(state: DrainState): "wait" | "stop-reading" | "abandon-output" {
  if (state.stalled && !state.stopRequested) return "wait";
  const quiet = state.now - Math.max(state.lastActivityAt, state.exitedAt) > GRACE_IDLE_MS;
  if (!quiet && state.now - state.exitedAt <= GRACE_MAX_MS) return "wait";
  return state.stalled ? "abandon-output" : "stop-reading";
}

/** Waits for every pipe to end, or for `drainDecision` to give up on them. */
export async function drainWithGrace(readers: PipeReader[], state: () => DrainState, abandonOutput: () => void): Promise<void> {
  const all = Promise.all(readers.map((r) => r.done));
  let timer: Timer | undefined;
  const givenUp = new Promise<void>((resolve) => {
    const check = () => {
      const decision = drainDecision(state());
      if (decision === "wait") {
        timer = setTimeout(check, 50);
        return;
      }
      if (decision === "abandon-output") abandonOutput();
      for (const reader of readers) reader.cancel();
      resolve();
    };
    timer = setTimeout(check, 50);
  });
  await Promise.race([all, givenUp]);
  clearTimeout(timer);
  await all;
}
