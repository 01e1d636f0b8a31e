/**
 * One run's JSONL file, written append-only. Every record carries the original exprag schema:
 * schema_version, exprag_version, run_id, experiment_name, kind, value, created_at, elapsed_ms,
 * and note when there is one. Records are collected per batch read from the child and written
 * with one write(), so killing exprag or the child loses nothing already received.
 *
 * Records are assembled as bytes: a tracked value is copied from the child's output as it came,
 * between a prefix fixed for the run and a suffix fixed for the batch.
 *
 * A write that fails (disk full, file too large) is taken back to the last whole record, so the
 * file never holds a torn line of ours; its records are counted as lost, later batches are
 * tried again, and `counts` says only what the file holds.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, futimesSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { VERSION } from "../../version";
import { errnoCode } from "../errors";
import { stagedPath } from "../os/files";
import { startWriteback } from "../os/posix";
import { storeError } from "../store";
import { placeRunFile, runFileFree } from "./queued-file";
import { RECORD_KINDS, type RecordCounts, type RecordKind, recordCounts, SCHEMA_VERSION } from "./schema";
import { kindsOfLines, lastRecordsCut, noCounts } from "./written-lines";

const INITIAL_BATCH_BYTES = 1 << 20;
/** Room beyond run_end's value for its envelope, when the last records are given up for it. */
const END_ROOM = 512;
/** Written data is handed to the disk in steps of this size, so closing the file waits only for the last step. */
const WRITEBACK_STEP = 8 << 20;

export class RunFile {
  private readonly fd: number;
  private readonly identity: { dev: number; ino: number };
  /** `{"schema_version":...,"kind":"<kind>","value":` for each kind. */
  private readonly heads: Record<RecordKind, Buffer>;
  private tail = Buffer.alloc(0);
  private stamp = "";
  private elapsed = 0;
  /** The clock of elapsed_ms: it starts when the command starts, and stops when it exits. */
  private origin = Number.POSITIVE_INFINITY;
  private end = Number.POSITIVE_INFINITY;
  /** When the current batch arrived; its stamp is worked out only if the batch holds records. */
  private batchAt = 0;
  private stampedAt = -1;
  private batch = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  private used = 0;
  private batchKinds = noCounts();
  private written = 0;
  private handedToDisk = 0;
  private readonly kept = noCounts();
  private queued = 0;
  /**
   * Where the records go until the first write gives them the run file's name: a reader never
   * finds the file without its run_start (an empty run file reads as a crashed run).
   */
  private starting: string | null;
  /** Records that could not be written. */
  lost = 0;
  /** The first write that failed, when one did. */
  failure: Error | null = null;

  /** Why the first failed write failed: its system call's error code, else its message. */
  get failureReason(): string | undefined {
    return this.failure ? (errnoCode(this.failure) ?? this.failure.message) : undefined;
  }

  private noteFailure(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
  }

  /**
   * Creates the file (mode 0600, never through a link); it must not exist yet, unless it is the
   * queued run of a Slurm sweep's point (./queued-file.ts), which the run's file replaces whole at
   * the first write, so a reader sees either the queued run or this one.
   */
  constructor(
    readonly path: string,
    store: string,
    private readonly runId: string,
    experimentName: string,
  ) {
    this.starting = stagedPath(path);
    try {
      if (!runFileFree(path, runId)) throw Object.assign(new Error("file exists"), { code: "EEXIST" });
      // Readable too: on a full disk, run_end takes the place of the last records, which are read to count them.
      this.fd = openSync(this.starting, "ax+", 0o600);
    } catch (error) {
      throw storeError(store, error);
    }
    const { dev, ino } = fstatSync(this.fd);
    this.identity = { dev, ino };
    const common =
      `{"schema_version":${SCHEMA_VERSION},"exprag_version":${JSON.stringify(VERSION)},` +
      `"run_id":${JSON.stringify(runId)},"experiment_name":${JSON.stringify(experimentName)},"kind":"`;
    this.heads = Object.fromEntries(RECORD_KINDS.map((kind) => [kind, Buffer.from(`${common}${kind}","value":`)])) as Record<RecordKind, Buffer>;
    this.tick();
  }

  /** The command starts now: elapsed_ms counts from here (records before it read 0). */
  startClock(at: number): void {
    this.origin = at;
  }

  /** The command exited then: what is read later was written before, and is stamped no later. */
  stopClock(at: number): void {
    this.end = at;
  }

  /** Sets the time of the records that follow: one time per batch read from the child. */
  tick(): void {
    this.batchAt = performance.now();
  }

  private stampBatch(): void {
    if (this.stampedAt === this.batchAt) return;
    this.stampedAt = this.batchAt;
    const at = Math.min(this.batchAt, this.end);
    this.elapsed = Math.max(0, Math.round((at - this.origin) * 1000) / 1000);
    this.stamp = new Date(performance.timeOrigin + at).toISOString();
    this.tail = Buffer.from(`,"created_at":"${this.stamp}","elapsed_ms":${this.elapsed}}\n`);
  }

  /** Queues a record whose value is the JSON text `valueJson`. */
  add(kind: RecordKind, valueJson: string, note?: string): void {
    this.stampBatch();
    this.reserve(this.heads[kind].length + valueJson.length * 3 + this.tail.length + (note === undefined ? 0 : note.length * 6 + 16));
    this.copy(this.heads[kind]);
    this.used += this.batch.write(valueJson, this.used);
    if (note === undefined) {
      this.copy(this.tail);
    } else {
      this.used += this.batch.write(`,"created_at":"${this.stamp}","elapsed_ms":${this.elapsed},"note":${JSON.stringify(note)}}\n`, this.used);
    }
    this.batchKinds[kind]++;
    this.queued++;
  }

  /** The elapsed_ms of the last record queued. */
  get lastElapsedMs(): number {
    return this.elapsed;
  }

  /** The line the next record will have in the file (1-based; run_start is line 1). */
  get nextLine(): number {
    return this.queued + 1;
  }

  /** Queues a record whose value is the JSON held in `data[start..end)`, valid UTF-8. */
  addBytes(kind: RecordKind, data: Buffer, start: number, end: number): void {
    this.stampBatch();
    const head = this.heads[kind];
    this.reserve(head.length + (end - start) + this.tail.length);
    this.copy(head);
    this.used += data.copy(this.batch, this.used, start, end);
    this.copy(this.tail);
    this.batchKinds[kind]++;
    this.queued++;
  }

  /** Writes the queued records in one write; a write that fails is taken back whole. */
  flush(): boolean {
    if (this.used === 0) return true;
    const bytes = this.used;
    const kinds = this.batchKinds;
    this.used = 0;
    this.batchKinds = noCounts();
    let offset = 0;
    try {
      while (offset < bytes) offset += writeSync(this.fd, this.batch, offset, bytes - offset);
    } catch (error) {
      this.noteFailure(error);
      this.keepWholeRecords(offset, kinds);
      return false;
    }
    this.written += bytes;
    for (const kind of RECORD_KINDS) this.kept[kind] += kinds[kind];
    if (this.starting) {
      try {
        placeRunFile(this.starting, this.path, this.runId);
      } catch (error) {
        this.noteFailure(error);
        return false;
      }
      this.starting = null;
    }
    if (this.written - this.handedToDisk >= WRITEBACK_STEP) {
      startWriteback(this.fd, this.handedToDisk, this.written - this.handedToDisk);
      this.handedToDisk = this.written;
    }
    if (this.batch.length > 4 * INITIAL_BATCH_BYTES) this.batch = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
    return true;
  }

  /**
   * After a write that stopped `offset` bytes into the batch: the file is cut back to the batch's
   * last whole record within them, those records count as kept, the others as lost.
   */
  private keepWholeRecords(offset: number, kinds: Record<RecordKind, number>): void {
    let keep = offset > 0 ? this.batch.lastIndexOf(10, offset - 1) + 1 : 0;
    try {
      ftruncateSync(this.fd, this.written + keep);
    } catch {
      keep = offset; // the file keeps a torn last line, which every reader skips
    }
    const kept = kindsOfLines(this.batch, 0, keep, this.heads);
    for (const kind of RECORD_KINDS) {
      this.kept[kind] += kept[kind];
      this.lost += kinds[kind] - kept[kind];
    }
    this.written += keep;
  }

  /** Records of each kind the file holds (what was queued but lost is in `lost`). */
  get counts(): RecordCounts {
    return recordCounts(this.kept);
  }

  /** Refreshes the file's modification time: the run's heartbeat. */
  touch(): void {
    try {
      const now = new Date();
      futimesSync(this.fd, now, now);
    } catch {
      // a heartbeat missed is read as an older one, nothing more
    }
  }

  /** Whether the file is still where it was made (not deleted or replaced while the run wrote it). */
  stillInPlace(): boolean {
    try {
      const { dev, ino } = statSync(this.path);
      return dev === this.identity.dev && ino === this.identity.ino;
    } catch {
      return false;
    }
  }

  /**
   * Writes run_end, whose value `value` makes from what the file holds and lost. When the disk
   * or the file size limit leaves no room for it, the file's last records (never run_start) are
   * given up, counted as lost, until run_end fits: a run whose command ended always says so.
   */
  writeEnd(value: () => string): boolean {
    this.flush();
    // First the room run_end's own line takes; twice that each time the disk still has none (a block may need freeing whole).
    for (let room = value().length + END_ROOM; ; room *= 2) {
      const lostBefore = this.lost;
      this.add("run_end", value());
      if (this.flush()) return true;
      this.lost = lostBefore; // run_end is tried again, not lost
      if (!this.giveUpLastRecords(room)) return false;
    }
  }

  /** Cuts whole records (never the first line, run_start) from the end of the file, at least `bytes` of them; false when there are none. */
  private giveUpLastRecords(bytes: number): boolean {
    const cut = lastRecordsCut(this.fd, this.written, bytes, this.heads);
    if (!cut) return false;
    try {
      ftruncateSync(this.fd, cut.at);
    } catch {
      return false;
    }
    for (const kind of RECORD_KINDS) {
      this.kept[kind] -= cut.kinds[kind];
      this.lost += cut.kinds[kind];
    }
    this.written = cut.at;
    return true;
  }

  /** Removes what this run wrote (a queued run it was to replace stays). */
  remove(): void {
    rmSync(this.starting ?? this.path, { force: true });
  }

  /** Flushes, syncs and closes; false when the last records could not be written. */
  close(): boolean {
    const flushed = this.flush();
    try {
      fsyncSync(this.fd);
    } catch (error) {
      this.noteFailure(error);
    }
    closeSync(this.fd);
    return flushed;
  }

  private copy(bytes: Buffer): void {
    this.batch.set(bytes, this.used);
    this.used += bytes.length;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.batch.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.batch.length * 2, this.used + bytes));
    this.batch.copy(grown, 0, 0, this.used);
    this.batch = grown;
  }
}
