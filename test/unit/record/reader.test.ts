import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstLineOf, openRegular, readFirstLine } from "../../../src/core/record/reader";
import { TailReader } from "../../../src/core/record/tail-reader";
import { mixed, tail } from "./mixed-lines";

const dir = mkdtempSync(join(tmpdir(), "exprag-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(text: string): string {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, text);
  return path;
}

/** What TailReader must give: the non-empty lines, last first. */
const expected = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .reverse();

describe("TailReader", () => {
  test("gives every non-empty line, last first, whatever their lengths and where reads cut them", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const text = mixed(seed, 5 + (seed % 37));
      expect(tail(file(text))).toEqual(expected(text));
    }
  });

  test("edge files: empty, one line with and without newline, only newlines, a newline first", () => {
    for (const text of ["", "a", "a\n", "\n\n\n", "\nb", "a\n\nb\n", `${"\n".repeat(5000)}z`, `${"y".repeat(4096)}\n${"z".repeat(4095)}`]) {
      expect(tail(file(text))).toEqual(expected(text));
    }
  });

  test("reads a file its caller opened, leaves it open, and readers in turn do not disturb each other", () => {
    const [a, b] = [mixed(7, 30), mixed(8, 30)];
    const opened = openRegular(file(a));
    try {
      const first = new TailReader(opened);
      const other = new TailReader(file(b));
      const got: string[] = [];
      const gotOther: string[] = [];
      for (let i = 0; i < 100; i++) {
        const x = first.previous();
        const y = other.previous();
        if (x !== null) got.push(x);
        if (y !== null) gotOther.push(y);
      }
      first.close();
      other.close();
      expect(got).toEqual(expected(a));
      expect(gotOther).toEqual(expected(b));
      expect(firstLineOf(opened.fd)).toBe(a.split("\n")[0] || null);
    } finally {
      closeSync(opened.fd);
    }
  });
});

describe("TailReader on a file cut short after it was opened", () => {
  test("reads what the file holds now, never another file's bytes left in its buffer", () => {
    // A reader before it fills the shared buffer with another run's end.
    const other = new TailReader(file(`${'{"kind":"run_end","value":{"status":"ok"}}\n'.repeat(200)}`));
    while (other.previous() !== null);
    other.close();
    const path = file('{"kind":"run_start"}\n{"kind":"track","value":1}\n{"kind":"track","value":2}\n');
    const reader = new TailReader(path);
    // The writer takes back its last records (a full disk) before the reader reads.
    truncateSync(path, 21);
    const lines: string[] = [];
    for (let line = reader.previous(); line !== null; line = reader.previous()) lines.push(line);
    reader.close();
    expect(lines).toEqual(['{"kind":"run_start"}']);
  });
});

describe("first line", () => {
  test("the first line, however long, through an open file or a path", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const text = mixed(seed, 6);
      const path = file(text);
      const first = text.split("\n")[0] || null;
      expect(readFirstLine(path)).toBe(first);
      const opened = openRegular(path);
      try {
        expect(firstLineOf(opened.fd)).toBe(first);
      } finally {
        closeSync(opened.fd);
      }
    }
  });
});
