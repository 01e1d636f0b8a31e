import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { fstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstLineOf, forEachLineBytes, NotRegularFile, type OpenedFile, readFirstLine } from "../../../src/core/record/reader";
import { WHOLE_FILE_BYTES, withWholeFile } from "../../../src/core/record/whole-file";
import { mixed, tail } from "./mixed-lines";

const dir = mkdtempSync(join(tmpdir(), "exprag-whole-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(text: string | Buffer): string {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, text);
  return path;
}

/** Every line as forEachLineBytes hands it on (null: over the bound), with its number. */
function lines(source: string | OpenedFile): [string | null, number][] {
  const got: [string | null, number][] = [];
  forEachLineBytes(source, (bytes, start, end, line) => void got.push([bytes === null ? null : bytes.toString("latin1", start, end), line]));
  return got;
}

describe("withWholeFile", () => {
  test("a small file comes whole, as it is on disk; one over the bound comes opened, unread", () => {
    const small = file("a\nb\n");
    withWholeFile(small, (opened) => {
      expect(opened.bytes?.toString()).toBe("a\nb\n");
      expect(opened.size).toBe(4);
    });
    const big = file("z".repeat(200));
    withWholeFile(big, (opened) => expect(opened.bytes).toBeUndefined(), 100);
    withWholeFile(file(""), (opened) => expect(opened.bytes?.length).toBe(0));
  });

  test("closes the file after the call, and after a throw", () => {
    let fd = -1;
    withWholeFile(file("x\n"), (opened) => {
      fd = opened.fd;
    });
    expect(() => fstatSync(fd)).toThrow();
    expect(() =>
      withWholeFile(file("x\n"), (opened) => {
        fd = opened.fd;
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(() => fstatSync(fd)).toThrow();
  });

  test("a nested read gets its own bytes; the outer ones are left as they were", () => {
    const [a, b] = [file("outer\n".repeat(100)), file("inner\n".repeat(300))];
    withWholeFile(a, (outer) => {
      withWholeFile(b, (inner) => expect(inner.bytes?.toString()).toBe("inner\n".repeat(300)));
      expect(outer.bytes?.toString()).toBe("outer\n".repeat(100));
    });
  });

  test.skipIf(process.platform === "win32")("refuses what is not a regular file (a FIFO would hang)", () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(() => withWholeFile(fifo, () => 1)).toThrow(NotRegularFile);
    const folder = join(dir, "folder");
    mkdirSync(folder);
    expect(() => withWholeFile(folder, () => 1)).toThrow();
  });
});

describe("reading a file read whole is reading it from disk", () => {
  const texts = [
    ...Array.from({ length: 30 }, (_, seed) => mixed(seed + 1, 5 + (seed % 23))),
    "a\r\n\r\nb\r",
    "",
    "a",
    "a\n",
    "\n\n\n",
    "\nb",
    "a\n\nb\n",
    `${"\n".repeat(5000)}z`,
    `${"y".repeat(4096)}\n${"z".repeat(4095)}`,
  ];

  test("every line in order, with its number: empty, torn, multi-byte and long lines alike", () => {
    for (const text of texts) {
      const path = file(text);
      const fromDisk = lines(path);
      withWholeFile(path, (opened) => {
        expect(opened.bytes).toBeDefined();
        expect(lines(opened)).toEqual(fromDisk);
      });
      // Over the bound, the same open file is read in chunks.
      withWholeFile(path, (opened) => expect(lines(opened)).toEqual(fromDisk), 0);
    }
  });

  test("the first line and the lines from the end", () => {
    for (const text of texts) {
      const path = file(text);
      withWholeFile(path, (opened) => {
        expect(firstLineOf(opened)).toBe(readFirstLine(path));
        expect(tail(opened)).toEqual(tail(path));
      });
    }
  });

  test("invalid UTF-8 decodes the same way from either", () => {
    const path = file(Buffer.from([0x61, 0xff, 0xc3, 0x0a, 0xe2, 0x82, 0x0a, 0xf0, 0x9f]));
    withWholeFile(path, (opened) => {
      expect(firstLineOf(opened)).toBe(readFirstLine(path));
      expect(tail(opened)).toEqual(tail(path));
      expect(lines(opened)).toEqual(lines(path));
    });
  });

  test("a file just over the bound is read in chunks, line by line as before", () => {
    const text = `${"r".repeat(WHOLE_FILE_BYTES)}\nlast`;
    const path = file(text);
    withWholeFile(path, (opened) => {
      expect(opened.bytes).toBeUndefined();
      expect(lines(opened)).toEqual(lines(path));
      expect(tail(opened)).toEqual(["last", "r".repeat(WHOLE_FILE_BYTES)]);
    });
  });
});
