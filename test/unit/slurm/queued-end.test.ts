import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isQueuedRunFile } from "../../../src/core/record/queued-file";
import type { RunEndValue } from "../../../src/core/record/schema";
import { recordQueuedEnd } from "../../../src/core/slurm/queued-end";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const RUN = "01a24380-0000-7000-8000-000000000001";
const QUEUED = `${JSON.stringify({ schema_version: 1, run_id: RUN, experiment_name: "x", kind: "run_start", value: { queued: { kind: "slurm", job_id: "5", array_task_id: "0" } } })}\n`;
const END: RunEndValue = {
  status: "cancelled",
  exit_code: null,
  signal: null,
  counts: { track: 0, meta: 0, note: 0, parse_error: 0 },
  error: "left the queue",
};

/** A queued point's file, and a descriptor a reader holds on it. */
function queuedFile(): { file: string; fd: number } {
  const dir = mkdtempSync(join(tmpdir(), "exprag-queued-end-"));
  dirs.push(dir);
  const file = join(dir, `${RUN}.jsonl`);
  writeFileSync(file, QUEUED);
  return { file, fd: openSync(file, "r") };
}

const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

describe("a queued point's end, written by the reader that learnt it", () => {
  test("a file two readers both ended (racing past a stale lock) is still one its task may replace; anything else after run_start is not", () => {
    const { file, fd } = queuedFile();
    closeSync(fd);
    const end = `${JSON.stringify({ run_id: RUN, kind: "run_end", value: END })}\n`;
    writeFileSync(file, QUEUED + end + end);
    expect(isQueuedRunFile(file, RUN)).toBe(true);
    writeFileSync(file, `${QUEUED + end}${JSON.stringify({ run_id: RUN, kind: "track", value: {} })}\n`);
    expect(isQueuedRunFile(file, RUN)).toBe(false);
    writeFileSync(file, QUEUED + end.replace(RUN, RUN.replace(/1$/, "2")));
    expect(isQueuedRunFile(file, RUN)).toBe(false);
  });

  test("is appended once, as a run_end of the run; the file stays one a task may still replace", () => {
    const { file, fd } = queuedFile();
    expect(recordQueuedEnd(file, fd, RUN, END)).toBe(true);
    expect(recordQueuedEnd(file, fd, RUN, END)).toBe(false);
    const written = lines(file);
    expect(written).toHaveLength(2);
    expect(JSON.parse(written[1]!)).toMatchObject({ run_id: RUN, experiment_name: "x", kind: "run_end", value: END });
    expect(isQueuedRunFile(file, RUN)).toBe(true);
    expect(isQueuedRunFile(file, "01a24380-0000-7000-8000-000000000002")).toBe(false);
    closeSync(fd);
  });

  test("is not written when the task's run took the file's place meanwhile (a rename over it)", () => {
    const { file, fd } = queuedFile();
    const run = `${JSON.stringify({ run_id: RUN, kind: "run_start", value: {} })}\n`;
    writeFileSync(`${file}.new`, run);
    renameSync(`${file}.new`, file);
    expect(recordQueuedEnd(file, fd, RUN, END)).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(run);
    closeSync(fd);
  });

  test("is not written while another reader writes it, nor through a link, nor into a file that is not a queued point", () => {
    const { file, fd } = queuedFile();
    const lock = join(file, "..", `.${RUN}.jsonl.ending`);
    writeFileSync(lock, "");
    expect(recordQueuedEnd(file, fd, RUN, END)).toBe(false);
    expect(lines(file)).toHaveLength(1);
    // A lock its reader left long ago is taken away, for the next reader.
    const old = Date.now() / 1000 - 3600;
    utimesSync(lock, old, old);
    expect(recordQueuedEnd(file, fd, RUN, END)).toBe(false);
    expect(recordQueuedEnd(file, fd, RUN, END)).toBe(true);

    const other = queuedFile();
    const link = join(other.file, "..", "link.jsonl");
    symlinkSync(other.file, link);
    expect(recordQueuedEnd(link, other.fd, RUN, END)).toBe(false);
    writeFileSync(other.file, `${QUEUED}{"kind":"track"}\n`);
    expect(recordQueuedEnd(other.file, other.fd, RUN, END)).toBe(false);
    expect(lines(other.file)).toHaveLength(2);
    closeSync(fd);
    closeSync(other.fd);
  });
});
