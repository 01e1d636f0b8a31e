/** Reading the records of runs for a question, skipping what cannot be read with one warning each. */

import { errnoCode } from "../errors";
import { parseRecord } from "../record/decode";
import { forEachLineBytes, type OpenedFile } from "../record/reader";
import type { StoredRecord } from "../record/schema";
import { runFilePath } from "../store";

export type Warn = (message: string) => void;
/** Told how far long work got: `done` of `total` runs read. */
export type OnProgress = (done: number, total: number) => void;

/** The warning for a file's corrupt lines, naming the first. */
export const skippedLineWarning = (file: string, line: number) => `${file}:${line}: skipped a line that is not a JSON record`;

/**
 * Every record of a file in order; corrupt lines are skipped, warning once with the first one's
 * `file:line`, which it answers (0: none). A line `readBytes` reads from its bytes (answering
 * true) is neither decoded nor parsed: it must be a record, and reads as onRecord would have read
 * it. `opened`: the file, already opened (or read whole) by the caller.
 */
export function recordsOf(
  file: string,
  warn: Warn,
  onRecord: (record: StoredRecord, line: number) => boolean | undefined,
  prefilter?: string | null,
  readBytes?: (bytes: Buffer, start: number, end: number) => boolean,
  opened?: OpenedFile,
): number {
  let skipped = 0;
  forEachLineBytes(opened ?? file, (bytes, start, end, line, unterminated) => {
    if (bytes !== null && (start === end || readBytes?.(bytes, start, end))) return;
    const text = bytes === null ? null : bytes.toString("utf8", start, end);
    // A line without what the caller looks for is passed over unparsed, unless it is no object at all (torn, garbage): that one is warned of.
    if (text !== null && prefilter && !text.includes(prefilter) && looksLikeObject(text)) return;
    const record = text === null ? null : parseRecord(text);
    // A last line still being written by a live run (or cut by its crash, which its status tells): not one to warn of.
    if (!record && unterminated) return;
    if (!record) {
      if (!skipped) warn(skippedLineWarning(file, line));
      skipped ||= line;
      return;
    }
    return onRecord(record, line);
  });
  return skipped;
}

/** Whether a line starts and ends as a JSON object does (a record is one); a torn or garbage line does not. */
function looksLikeObject(text: string): boolean {
  let end = text.length - 1;
  while (end > 0 && (text.charCodeAt(end) === 0x20 || text.charCodeAt(end) === 0x0d || text.charCodeAt(end) === 0x09)) end--;
  return text.charCodeAt(0) === 0x7b && text.charCodeAt(end) === 0x7d;
}

/** Runs `read` on one run file; a file that cannot be read (gone, a dangling link) is skipped with a warning. */
export function readable<T>(store: string, runId: string, warn: Warn, read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    const code = errnoCode(error);
    if (!code) throw error;
    warn(`${runFilePath(store, runId)}: cannot be read (${code}), skipped`);
    return null;
  }
}
