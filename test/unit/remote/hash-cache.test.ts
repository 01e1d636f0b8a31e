import { afterAll, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HashCache } from "../../../src/core/remote/hash-cache";
import { hashFile } from "../../../src/core/remote/objects";

const dir = mkdtempSync(join(tmpdir(), "exprag-hash-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a remembered blob id is used while the file is as it was, and recomputed once it grew or changed", () => {
  const cacheFile = join(dir, "hashes");
  const file = join(dir, "run.jsonl");
  writeFileSync(file, "a\nb\npartial");
  const first = new HashCache(cacheFile, "sha1");
  expect(first.version(file, true)).toEqual(hashFile(file, "sha1", true));
  first.save();
  // A hit is returned as stored, unread: a planted id for the same stat comes back.
  const real = hashFile(file, "sha1", true)!.id;
  writeFileSync(cacheFile, readFileSync(cacheFile, "utf8").replace(real, "f".repeat(40)));
  expect(new HashCache(cacheFile, "sha1").version(file, true)).toEqual({ path: file, size: 4, id: "f".repeat(40), file: hashFile(file, "sha1", true)!.file });
  appendFileSync(file, " record\n");
  expect(new HashCache(cacheFile, "sha1").version(file, true)).toEqual(hashFile(file, "sha1", true));
  writeFileSync(file, "x\ny\nzzzzzzzzzzzzzzz");
  utimesSync(file, new Date(2030, 0, 1), new Date(2030, 0, 1));
  expect(new HashCache(cacheFile, "sha1").version(file, true)).toEqual(hashFile(file, "sha1", true));
  expect(new HashCache(cacheFile, "sha1").version(join(dir, "missing"))).toBe(null);
});

test("a cache from another object format, or unreadable, is not used", () => {
  const cacheFile = join(dir, "other");
  const file = join(dir, "log");
  writeFileSync(file, "output\n");
  const sha1 = new HashCache(cacheFile, "sha1");
  sha1.version(file);
  sha1.save();
  expect(new HashCache(cacheFile, "sha256").version(file)).toEqual(hashFile(file, "sha256"));
  writeFileSync(cacheFile, "garbage");
  expect(new HashCache(cacheFile, "sha1").version(file)).toEqual(hashFile(file, "sha1"));
});
