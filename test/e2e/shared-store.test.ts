/**
 * A store shared by many writers (a cluster's nodes on one shared disk) needs no lock: each run
 * file has one writer, the run that owns it. Sixteen runs started at once from separate
 * processes into one store all end whole.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { cleanEnv, EXPRAG, readRecords, runFiles, tempDir } from "./harness";

const WRITERS = 16;
const RECORDS = 200;

test("16 runs from separate processes into one store: every file complete and valid", async () => {
  const store = join(tempDir(), "shared");
  const script = `i=0; while [ $i -lt ${RECORDS} ]; do i=$((i+1)); echo "EXPRAG::{\\"writer\\": $WRITER, \\"i\\": $i}"; done`;
  const writers = Array.from({ length: WRITERS }, (_, writer) =>
    Bun.spawn([EXPRAG, "run", "--dir", store, "--name", `writer-${writer}`, "--", "sh", "-c", script], {
      cwd: tempDir(),
      env: cleanEnv({ WRITER: String(writer) }),
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    }),
  );
  const ended = await Promise.all(writers.map(async (proc) => ({ code: await proc.exited, stderr: await new Response(proc.stderr).text() })));
  expect(ended.map(({ code }) => code)).toEqual(Array(WRITERS).fill(0));
  const files = runFiles(store);
  expect(files).toHaveLength(WRITERS);
  const seen = new Set<number>();
  for (const file of files) {
    const records = readRecords(file);
    const id = file.slice(file.lastIndexOf("/") + 1, -".jsonl".length);
    expect(records.every((record) => record.run_id === id)).toBe(true);
    expect(records[0]!.kind).toBe("run_start");
    expect(records.at(-1)!.kind).toBe("run_end");
    expect(records.at(-1)!.value.status).toBe("ok");
    expect(records.at(-1)!.value.counts.track).toBe(RECORDS);
    const tracked = records.filter((record) => record.kind === "track").map((record) => record.value);
    const writer = tracked[0].writer;
    seen.add(writer);
    expect(records[0]!.experiment_name).toBe(`writer-${writer}`);
    expect(tracked).toEqual(Array.from({ length: RECORDS }, (_, i) => ({ writer, i: i + 1 })));
  }
  expect(seen.size).toBe(WRITERS);
}, 60_000);
