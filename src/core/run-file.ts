/**
 * One run's JSONL file, written append-only. Every record carries the original exprag schema:
 * schema_version, exprag_version, run_id, experiment_name, kind, value, created_at, elapsed_ms,
 * and note when there is one. Records are collected per batch read from the child and written
 * with one write(), so killing exprag or the child loses nothing already received.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import { VERSION } from "../version";
import { writeFully } from "./io";
import { storeError } from "./store";

export const SCHEMA_VERSION = 1;

export type RecordKind = "run_start" | "track" | "meta" | "note" | "parse_error" | "run_end";

export class RunFile {
  private readonly fd: number;
  private readonly prefix: string;
  private readonly pending: string[] = [];
  private stamp = "";
  private elapsed = 0;

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
    this.prefix =
      `{"schema_version":${SCHEMA_VERSION},"exprag_version":${JSON.stringify(VERSION)},` +
      `"run_id":${JSON.stringify(runId)},"experiment_name":${JSON.stringify(experimentName)},"kind":"`;
    this.tick();
  }

  /** Sets the time of the records that follow: one time per batch read from the child. */
  tick(): void {
    const now = performance.now();
    this.elapsed = Math.round((now - this.startedAt) * 1000) / 1000;
    this.stamp = new Date(performance.timeOrigin + now).toISOString();
  }

  /** Queues a record; `valueJson` must be one JSON value. */
  add(kind: RecordKind, valueJson: string, note?: string): void {
    this.pending.push(
      `${this.prefix}${kind}","value":${valueJson},"created_at":"${this.stamp}","elapsed_ms":${this.elapsed}` +
        (note === undefined ? "}\n" : `,"note":${JSON.stringify(note)}}\n`),
    );
  }

  /** Writes the queued records in one write. */
  flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
    this.pending.length = 0;
    writeFully(this.fd, Buffer.from(text));
  }

  close(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}
