import { writeSync } from "node:fs";

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * write() until every byte is out. Blocking on purpose: a slow reader slows the child down
 * instead of growing our memory. A descriptor left non-blocking by someone else is waited on.
 */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }
}
