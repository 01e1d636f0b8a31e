/**
 * `exprag log --follow`: a growing file's new bytes as they come, until its run ends. The file
 * is polled (its size, every `intervalMs`): portable, and a log written by another process is
 * seen however it is written. Once the run has ended, what is left is read once more, so no
 * byte written before run_end is missed. A file replaced at its path (another file renamed over
 * it: a pull that brought a longer one) is followed on in the new file, from where the old one was.
 */
import { closeSync, existsSync, fstatSync, readSync, statSync } from "node:fs";
import { openRegularFile } from "../record/reader";

export interface FollowOptions {
  /** Whether the writer is done: checked when a poll finds nothing new. */
  ended: () => boolean;
  /** The file's path, to notice another file taking its place. */
  path?: string;
  intervalMs?: number;
}

/** Calls `onBytes` with the bytes of `fd` from `from` on, as they are written, until `ended()`. */
export async function followFile(fd: number, from: number, onBytes: (bytes: Buffer) => void, { ended, path, intervalMs = 100 }: FollowOptions): Promise<void> {
  const buffer = Buffer.allocUnsafe(256 * 1024);
  let position = from;
  let current = fd;
  const drain = () => {
    let read = 0;
    for (let bytes = readSync(current, buffer, 0, buffer.length, position); bytes > 0; bytes = readSync(current, buffer, 0, buffer.length, position)) {
      onBytes(buffer.subarray(0, bytes));
      position += bytes;
      read += bytes;
    }
    return read;
  };
  try {
    for (;;) {
      if (drain() > 0) continue;
      const replacement = path === undefined ? null : replaced(path, current);
      if (replacement !== null) {
        if (current !== fd) closeSync(current);
        current = replacement;
        continue;
      }
      if (ended()) {
        drain();
        return;
      }
      // The file may have been cut back (truncated): start again from its end.
      position = Math.min(position, fstatSync(current).size);
      await Bun.sleep(intervalMs);
    }
  } finally {
    if (current !== fd) closeSync(current);
  }
}

/** The file now at `path`, opened, when it is another than `fd`'s; null while it is the same (or gone). */
function replaced(path: string, fd: number): number | null {
  try {
    const there = statSync(path);
    const here = fstatSync(fd);
    return there.ino === here.ino && there.dev === here.dev ? null : openRegularFile(path);
  } catch {
    return null;
  }
}

/** Waits until `path` exists (true), or `ended()` says it never will (false). */
export async function waitForFile(path: string, ended: () => boolean, intervalMs = 100): Promise<boolean> {
  for (;;) {
    if (existsSync(path)) return true;
    if (ended()) return existsSync(path);
    await Bun.sleep(intervalMs);
  }
}
