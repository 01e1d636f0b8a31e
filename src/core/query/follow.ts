/**
 * `exprag log --follow`: a growing file's new bytes as they come, until its run ends. The file
 * is polled (its size, every `intervalMs`): portable, and a log written by another process is
 * seen however it is written. Once the run has ended, what is left is read once more, so no
 * byte written before run_end is missed.
 */
import { fstatSync, readSync } from "node:fs";

export interface FollowOptions {
  /** Whether the writer is done: checked when a poll finds nothing new. */
  ended: () => boolean;
  intervalMs?: number;
}

/** Calls `onBytes` with the bytes of `fd` from `from` on, as they are written, until `ended()`. */
export async function followFile(fd: number, from: number, onBytes: (bytes: Buffer) => void, { ended, intervalMs = 100 }: FollowOptions): Promise<void> {
  const buffer = Buffer.allocUnsafe(256 * 1024);
  let position = from;
  const drain = () => {
    let read = 0;
    for (let bytes = readSync(fd, buffer, 0, buffer.length, position); bytes > 0; bytes = readSync(fd, buffer, 0, buffer.length, position)) {
      onBytes(buffer.subarray(0, bytes));
      position += bytes;
      read += bytes;
    }
    return read;
  };
  for (;;) {
    if (drain() > 0) continue;
    if (ended()) {
      drain();
      return;
    }
    // The file may have been cut back (truncated): start again from its end.
    position = Math.min(position, fstatSync(fd).size);
    await Bun.sleep(intervalMs);
  }
}
