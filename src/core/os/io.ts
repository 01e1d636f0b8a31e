import { writeSync } from "node:fs";
import { isErrno } from "../errors";

/** What a blocked write sleeps on; made at the first wait (a SharedArrayBuffer costs every command start-up time). */
let sleepCell: Int32Array | null = null;

/**
 * write() `bytes[start..end)` until every byte is out. Blocking on purpose: a slow reader slows
 * the child down instead of growing our memory. A descriptor left non-blocking by someone else
 * is waited on.
 */
export function writeFully(fd: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
  let offset = start;
  while (offset < end) {
    try {
      offset += writeSync(fd, bytes, offset, end - offset);
    } catch (error) {
      if (!isErrno(error, "EAGAIN")) throw error;
      sleepCell ??= new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }
}
