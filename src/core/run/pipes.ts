/** Reading the child's pipes to their end, and knowing when to stop waiting for that end. */
import { closeSync } from "node:fs";
import type { Source } from "./spawn";

/** After the command exits, output still arriving from a background child is waited for this long. */
export const GRACE_IDLE_MS = 250;
export const GRACE_MAX_MS = 2000;

/**
 * Reads a pipe until its end, or until cancelled; owns and closes its descriptor. A chunk whose
 * handling fails is reported once and reading goes on, so the child's output keeps flowing.
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
