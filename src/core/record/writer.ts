/**
 * One run's JSONL file, written append-only. Every record carries the original exprag schema:
 * schema_version, exprag_version, run_id, experiment_name, kind, value, created_at, elapsed_ms,
 * and note when there is one. Records are collected per batch read from the child and written
 * with one write(), so killing exprag or the child loses nothing already received.
 *
 * Records are assembled as bytes: a tracked value is copied from the child's output as it came,
 * between a prefix fixed for the run and a suffix fixed for the batch.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { VERSION } from "../../version";
import { writeFully } from "../os/io";
import { startWriteback } from "../os/posix";
import { storeError } from "../store";
import { RECORD_KINDS, type RecordKind, SCHEMA_VERSION } from "./schema";

const INITIAL_BATCH_BYTES = 1 << 20;
/** Written data is handed to the disk in steps of this size, so closing the file waits only for the last step. */
const WRITEBACK_STEP = 8 << 20;

export class RunFile {
  private readonly fd: number;
  /** `{"schema_version":...,"kind":"<kind>","value":` for each kind. */
  private readonly heads: Record<RecordKind, Buffer>;
  private tail = Buffer.alloc(0);
  private stamp = "";
  private elapsed = 0;
  /** When the current batch arrived; its stamp is worked out only if the batch holds records. */
  private batchAt = 0;
  private stampedAt = -1;
  private batch = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  private used = 0;
  private written = 0;
  private handedToDisk = 0;
  /** The first write that failed (disk full, file too large): later records are dropped, not torn further. */
  failure: NodeJS.ErrnoException | null = null;

  /** Creates the file; it must not exist yet. */
  constructor(
    readonly path: string,
    store: string,
    runId: string,
    experimentName: string,
    private readonly startedAt: number,
  ) {
    try {
      this.fd = openSync(path, "ax");
    } catch (error) {
      throw storeError(store, error);
    }
    const common =
      `{"schema_version":${SCHEMA_VERSION},"exprag_version":${JSON.stringify(VERSION)},` +
      `"run_id":${JSON.stringify(runId)},"experiment_name":${JSON.stringify(experimentName)},"kind":"`;
    this.heads = Object.fromEntries(RECORD_KINDS.map((kind) => [kind, Buffer.from(`${common}${kind}","value":`)])) as Record<RecordKind, Buffer>;
    this.tick();
  }

  /** Sets the time of the records that follow: one time per batch read from the child. */
  tick(): void {
    this.batchAt = performance.now();
  }

  private stampBatch(): void {
    if (this.stampedAt === this.batchAt) return;
    this.stampedAt = this.batchAt;
    this.elapsed = Math.round((this.batchAt - this.startedAt) * 1000) / 1000;
    this.stamp = new Date(performance.timeOrigin + this.batchAt).toISOString();
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
  }

  /** Queues a record whose value is the JSON held in `data[start..end)`, valid UTF-8. */
  addBytes(kind: RecordKind, data: Buffer, start: number, end: number): void {
    this.stampBatch();
    const head = this.heads[kind];
    this.reserve(head.length + (end - start) + this.tail.length);
    this.copy(head);
    this.used += data.copy(this.batch, this.used, start, end);
    this.copy(this.tail);
  }

  /** Writes the queued records in one write. */
  flush(): void {
    if (this.used === 0) return;
    const bytes = this.used;
    this.used = 0;
    if (this.failure) return;
    try {
      writeFully(this.fd, this.batch, 0, bytes);
    } catch (error) {
      this.failure = error as NodeJS.ErrnoException;
      return;
    }
    this.written += bytes;
    if (this.written - this.handedToDisk >= WRITEBACK_STEP) {
      startWriteback(this.fd, this.handedToDisk, this.written - this.handedToDisk);
      this.handedToDisk = this.written;
    }
    if (this.batch.length > 4 * INITIAL_BATCH_BYTES) this.batch = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  }

  close(): void {
    this.flush();
    try {
      if (!this.failure) fsyncSync(this.fd);
    } catch (error) {
      this.failure = error as NodeJS.ErrnoException;
    }
    closeSync(this.fd);
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
