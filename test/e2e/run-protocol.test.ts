import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "../seeded-random";
import { exprag, onlyRun, runEnd, runFiles, shell, tempDir, tracked } from "./harness";

const sh = (script: string) => ["sh", "-c", script];

describe("exprag run: the EXPRAG:: protocol", () => {
  test("stores Python's json.dumps NaN and Infinity as strings, keeping the file strict JSON", async () => {
    const cwd = tempDir();
    const script = `import json; print("EXPRAG::" + json.dumps({"loss": float("nan"), "hi": float("inf"), "lo": float("-inf"), "s": "NaN"}))`;
    const result = await exprag(["run", "--", "python3", "-c", script], { cwd });
    expect(result.exitCode).toBe(0);
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    expect(readFileSync(file, "utf8")).toContain('"value":{"loss": "NaN", "hi": "Infinity", "lo": "-Infinity", "s": "NaN"}');
    expect(tracked(onlyRun(join(cwd, ".exprag")))).toEqual([{ loss: "NaN", hi: "Infinity", lo: "-Infinity", s: "NaN" }]);
  });

  test("forwards a malformed line as it was, warns, keeps it as parse_error, and goes on", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh(`echo 'EXPRAG::{loss: 1}'; echo 'EXPRAG::{"loss": 2}'`)], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe("EXPRAG::{loss: 1}\n");
    expect(result.stderr).toContain("EXPRAG::{loss: 1}");
    const records = onlyRun(join(cwd, ".exprag"));
    expect(records.filter((r) => r.kind === "parse_error").map((r) => r.value)).toEqual([
      { raw: "EXPRAG::{loss: 1}", reason: expect.stringMatching(/^invalid JSON/), source: "stdout" },
    ]);
    expect(tracked(records)).toEqual([{ loss: 2 }]);
    expect(runEnd(records).counts).toMatchObject({ track: 1, parse_error: 1 });
  });

  test("does not warn once per line when thousands do not parse", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh("i=0; while [ $i -lt 3000 ]; do echo 'EXPRAG::oops'; i=$((i+1)); done")], { cwd });
    expect(result.stderr.split("\n").length).toBeLessThan(10);
    expect(result.stderr).toContain("2997 more record lines did not parse");
    expect(runEnd(onlyRun(join(cwd, ".exprag"))).counts.parse_error).toBe(3000);
  });

  test("joins a record split across two writes with a pause", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", ...sh(`printf 'EXPRAG::{"a"'; sleep 0.3; printf ':1}\\n'`)], { cwd });
    expect(tracked(onlyRun(join(cwd, ".exprag")))).toEqual([{ a: 1 }]);
  });

  test("records a last line without a newline, and lines after progress output and with CRLF", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh(`printf '10%%\\r50%%\\rEXPRAG::1\\r\\nEXPRAG::2'`)], { cwd });
    expect(result.text).toBe("10%\r50%\r");
    expect(tracked(onlyRun(join(cwd, ".exprag")))).toEqual([1, 2]);
  });

  test("through a pipe too, the end of the stream (a last line without newline, a held start) is shown", async () => {
    const cwd = tempDir();
    const result = await shell(`exprag run -- sh -c 'printf "a\\nEXP"' | cat; exprag run -- sh -c 'printf "b\\nlast words"' | cat`, { cwd });
    expect(result.text).toBe("a\nEXPb\nlast words");
  });

  test("lands all of 100,000 records", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "python3", "-c", "for i in range(100000): print(f'EXPRAG::{{\"step\": {i}}}')"], { cwd });
    const steps = tracked(onlyRun(join(cwd, ".exprag"))).map((v) => v.step);
    expect(steps.length).toBe(100000);
    expect(steps.every((step, i) => step === i)).toBe(true);
  });

  test("handles a 10 MB record line and passes a 10 MB plain line through", async () => {
    const cwd = tempDir();
    const big = "x".repeat(10 * 1024 * 1024);
    writeFileSync(join(cwd, "lines.txt"), `EXPRAG::{"blob": "${big}"}\n${big}\n`);
    const result = await exprag(["run", "--", "cat", "lines.txt"], { cwd });
    expect(result.stdout.length).toBe(big.length + 1);
    expect(result.text === `${big}\n`).toBe(true);
    const values = tracked(onlyRun(join(cwd, ".exprag")));
    expect(values.length).toBe(1);
    expect(values[0].blob.length).toBe(big.length);
  });

  test("a record line that never ends is shown once past 64 MiB, and the run goes on", async () => {
    const cwd = tempDir();
    const script = "printf 'EXPRAG::'; head -c 70000000 /dev/zero | tr '\\0' x; echo; echo 'EXPRAG::1'";
    const result = await exprag(["run", "--no-log", "--", "sh", "-c", script], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(8 + 70_000_000 + 1);
    expect(result.stdout.subarray(0, 12).toString()).toBe("EXPRAG::xxxx");
    expect(result.stderr).toContain("passed 67108864 bytes without ending");
    const records = onlyRun(join(cwd, ".exprag"));
    expect(tracked(records)).toEqual([1]);
    expect(runEnd(records).counts.parse_error).toBe(1);
  }, 60_000);

  test("passes several MB of mixed text and binary through byte for byte, and logs the same bytes", async () => {
    const cwd = tempDir();
    const parts: Buffer[] = [];
    const random = seededRandom(7);
    for (let i = 0; i < 3000; i++) {
      const kind = random();
      if (kind < 0.4) parts.push(Buffer.from(Array.from({ length: Math.floor(random() * 4000) }, () => Math.floor(random() * 256))));
      else if (kind < 0.6) parts.push(Buffer.from(`progress ${i}\r`));
      else if (kind < 0.7) parts.push(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a]));
      else if (kind < 0.8) parts.push(Buffer.from(`EXPRAG::{"i": ${i}}\n`));
      else parts.push(Buffer.from(`plain text line ${i} with EXPRAG:: inside\n`));
    }
    const bytes = Buffer.concat(parts);
    expect(bytes.length).toBeGreaterThan(2_000_000);
    writeFileSync(join(cwd, "mixed.bin"), bytes);
    const result = await exprag(["run", "--", "cat", "mixed.bin"], { cwd });
    const magic = /(?<=^|[\n\r])EXPRAG::[^\n\r]*(\r\n|\n|$)/g;
    const text = bytes.toString("latin1");
    const expected = text.replace(magic, "");
    expect(result.stdout.equals(Buffer.from(expected, "latin1"))).toBe(true);
    const recorded = tracked(onlyRun(join(cwd, ".exprag")));
    expect(recorded.length).toBe(text.match(magic)!.length);
    expect(recorded.length).toBeGreaterThan(100);
    const log = readFileSync(runFiles(join(cwd, ".exprag"))[0]!.replace(/\.jsonl$/, ".log"));
    expect(log.equals(result.stdout)).toBe(true);
  });

  test("takes records from EXPRAG_FD, written by Python and by sh", async () => {
    const cwd = tempDir();
    const python = `import os, json\nwith os.fdopen(int(os.environ["EXPRAG_FD"]), "w") as fd:\n    fd.write(json.dumps({"from": "python", "nan": float("nan")}) + "\\n")\n    fd.write("not json\\n")`;
    const result = await exprag(["run", "--", "python3", "-c", python], { cwd });
    expect(result.exitCode).toBe(0);
    const records = onlyRun(join(cwd, ".exprag"));
    expect(tracked(records)).toEqual([{ from: "python", nan: "NaN" }]);
    expect(records.find((r) => r.kind === "parse_error")!.value).toMatchObject({ raw: "not json", source: "fd" });

    const other = tempDir();
    await exprag(["run", "--", ...sh(`echo '{"from": "sh"}' >&$EXPRAG_FD; printf '{"last": true}' >&$EXPRAG_FD`)], { cwd: other });
    expect(tracked(onlyRun(join(other, ".exprag")))).toEqual([{ from: "sh" }, { last: true }]);
  });

  test("keeps every record when many processes write to EXPRAG_FD at once", async () => {
    const cwd = tempDir();
    // The padding is made once per writer: a subshell per line would make the test slow, not harder.
    const writer = `pad=$(printf '%0200d' 0); i=0; while [ $i -lt 500 ]; do echo "{\\"w\\": $1, \\"i\\": $i, \\"pad\\": \\"$pad\\"}" >&$EXPRAG_FD; i=$((i+1)); done`;
    const script = `for w in 1 2 3 4 5 6 7 8; do sh -c '${writer}' sh $w & done; wait`;
    await exprag(["run", "--", ...sh(script)], { cwd });
    const values = tracked(onlyRun(join(cwd, ".exprag")));
    expect(values.length).toBe(4000);
    for (let w = 1; w <= 8; w++) expect(values.filter((v) => v.w === w).map((v) => v.i)).toEqual([...Array(500).keys()]);
  });
});
