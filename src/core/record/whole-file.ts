/**
 * A run file read whole in one call when it is small (most are: 100 records are about 25 KB), so
 * that a question needing both its ends and every line (an aggregate in `--where`) opens and reads
 * it once: the first line, the tail and the lines in order all come from the same bytes.
 */
import { closeSync, readSync } from "node:fs";
import { type OpenedFile, openRegular } from "./reader";

/** Larger files are read in chunks as before, through the same open file. */
export const WHOLE_FILE_BYTES = 1024 * 1024;
const MIN_BUFFER = 64 * 1024;

/** The buffer of the last whole read, for the next (a fresh one per run costs more than its read). */
let spare: Buffer | null = null;

/** How to open: with the file's key (see openRegular), and asking, once opened, whether it needs reading whole. */
export interface Opening {
  keyed?: boolean;
  readWhole?: (opened: OpenedFile) => boolean;
}

/**
 * Calls `read` with the file opened (a regular file only), read whole when it is at most `limit`
 * bytes: the bytes it had when opened, valid only during the call. Closes it after.
 */
export function withWholeFile<T>(path: string, read: (file: OpenedFile) => T, limit = WHOLE_FILE_BYTES, { keyed, readWhole }: Opening = {}): T {
  const opened = openRegular(path, keyed);
  let buffer: Buffer | null = null;
  try {
    if (opened.size > limit || (readWhole && !readWhole(opened))) return read(opened);
    buffer = spare !== null && spare.length >= opened.size ? spare : Buffer.allocUnsafe(Math.max(opened.size, MIN_BUFFER));
    spare = null;
    let size = 0;
    for (let bytes = -1; size < opened.size && bytes !== 0; size += bytes) bytes = readSync(opened.fd, buffer, size, opened.size - size, size);
    return read({ ...opened, size, bytes: buffer.subarray(0, size) });
  } finally {
    closeSync(opened.fd);
    if (buffer !== null && (spare === null || buffer.length > spare.length)) spare = buffer;
  }
}
