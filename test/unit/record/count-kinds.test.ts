import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countRecordKinds } from "../../../src/core/record/reader";

const dir = mkdtempSync(join(tmpdir(), "exprag-count-kinds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (kind: string, padding = "") => `{"run_id":"r","experiment_name":"${padding}","kind":"${kind}","value":{"note":"\\"kind\\":\\"meta\\""}}`;

function counted(text: string) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, text);
  return countRecordKinds(file);
}

describe("countRecordKinds: each line's kind, read in chunks", () => {
  test("each line counts by the first kind in it; other kinds and a torn last line do not count", () => {
    const text = `${[line("run_start"), line("track"), line("track"), line("meta"), line("note"), line("parse_error"), "not json", line("system")].join("\n")}\n${line("track")}`;
    expect(counted(text)).toEqual({ track: 2, meta: 1, note: 1, parse_error: 1 });
  });

  test("lines cut anywhere by a chunk's end (and lines longer than a chunk) count once each", () => {
    // Paddings of every length around the 256 KiB chunk put each part of `"kind":"track"` at a chunk's end.
    const lines: string[] = [];
    let tracks = 0;
    let metas = 0;
    for (let pad = 0; pad < 40; pad++) {
      lines.push(line(pad % 2 ? "track" : "meta", "x".repeat(pad)));
      if (pad % 2) tracks++;
      else metas++;
    }
    const block = `${lines.join("\n")}\n`;
    const repeats = Math.ceil((3 * 256 * 1024) / block.length);
    const long = `${line("note", "y".repeat(600 * 1024))}\n`;
    expect(counted(block.repeat(repeats) + long + block.repeat(repeats))).toEqual({
      track: 2 * repeats * tracks,
      meta: 2 * repeats * metas,
      note: 1,
      parse_error: 0,
    });
  });
});
