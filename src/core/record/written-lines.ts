/**
 * What a run file's written bytes hold, told without parsing them: the kind of each whole line by
 * the head it starts with (the writer's own `{"schema_version":...,"kind":"<kind>","value":`), and
 * where to cut the file's last records when run_end needs their room (./writer.ts).
 */
import { readSync } from "node:fs";
import { RECORD_KINDS, type RecordKind } from "./schema";

export type KindCounts = Record<RecordKind, number>;

export const noCounts = (): KindCounts => Object.fromEntries(RECORD_KINDS.map((kind) => [kind, 0])) as KindCounts;

/** The kinds of the lines starting in `bytes[from..end)`, each told by the head it starts with. */
export function kindsOfLines(bytes: Buffer, from: number, end: number, heads: Record<RecordKind, Buffer>): KindCounts {
  const counts = noCounts();
  for (let start = from; start < end; start = bytes.indexOf(10, start) + 1 || end) {
    const kind = RECORD_KINDS.find((k) => bytes.subarray(start, start + heads[k].length).equals(heads[k]));
    if (kind) counts[kind]++;
  }
  return counts;
}

/**
 * Where to cut a file of `written` bytes so that at least `bytes` of whole records go (never its
 * first line, run_start), with the kinds of the records that go; null when there are none to cut.
 */
export function lastRecordsCut(fd: number, written: number, bytes: number, heads: Record<RecordKind, Buffer>): { at: number; kinds: KindCounts } | null {
  const firstLineEnd = lineEndAfter(fd, 0, written);
  if (firstLineEnd < 0 || written <= firstLineEnd) return null;
  const from = Math.max(firstLineEnd, written - bytes);
  const tail = Buffer.allocUnsafe(written - from);
  try {
    readSync(fd, tail, 0, tail.length, from);
  } catch {
    return null;
  }
  // The cut starts at a line start: after the newline before `from` (or at the end of run_start's line).
  const cut = from === firstLineEnd ? 0 : tail.indexOf(10) + 1;
  if (cut <= 0 && from !== firstLineEnd) return null;
  return { at: from + cut, kinds: kindsOfLines(tail, cut, tail.length, heads) };
}

/** Where the line holding `position` ends (just past its newline); -1 when it has none within `written`. */
function lineEndAfter(fd: number, position: number, written: number): number {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (let at = position; at < written; at += chunk.length) {
    const bytes = readSync(fd, chunk, 0, Math.min(chunk.length, written - at), at);
    const newline = chunk.subarray(0, bytes).indexOf(10);
    if (newline >= 0) return at + newline + 1;
    if (bytes === 0) break;
  }
  return -1;
}
