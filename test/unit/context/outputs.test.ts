import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathMatcher } from "../../../src/core/context/output-globs";
import { FINGERPRINT_PART_BYTES, findOutputs, hashFile, keptPath } from "../../../src/core/context/outputs";
import { kernelFoldersUnder } from "../../../src/core/os/mounts";
import { tempDir } from "../../temp-dir";
import { expectedOutputs, makeEnvironments, writeInEach } from "./environment-folders";

const sha256 = (...parts: (string | Buffer)[]) => {
  const hasher = new Bun.CryptoHasher("sha256");
  for (const part of parts) hasher.update(part);
  return hasher.digest("hex");
};

describe("outputs: hashes, globs and kept paths", () => {
  const dir = mkdtempSync(join(tmpdir(), "exprag-outputs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a file up to the limit is hashed whole; above it, the size and its first, middle and last parts", () => {
    const size = 4 * FINGERPRINT_PART_BYTES;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7) % 251;
    writeFileSync(join(dir, "big.bin"), data);
    expect(hashFile(join(dir, "big.bin"))).toBe(`sha256:${sha256(data)}`);
    const part = FINGERPRINT_PART_BYTES;
    const middle = size / 2 - part / 2;
    expect(hashFile(join(dir, "big.bin"), part)).toBe(
      `fp256:${sha256(`${size}\n`, data.subarray(0, part), data.subarray(middle, middle + part), data.subarray(size - part))}`,
    );
    data[middle + 10] = (data[middle + 10]! + 1) % 256;
    writeFileSync(join(dir, "big2.bin"), data);
    expect(hashFile(join(dir, "big2.bin"), part)).not.toBe(hashFile(join(dir, "big.bin"), part));
  });

  test("a link or a missing file has no hash", () => {
    writeFileSync(join(dir, "target.txt"), "x");
    symlinkSync(join(dir, "target.txt"), join(dir, "link.txt"));
    expect(hashFile(join(dir, "link.txt"))).toBeNull();
    expect(hashFile(join(dir, "nothing.txt"))).toBeNull();
  });

  test.each([
    [["*.pt"], "ckpt/model.pt", true],
    [["*.pt"], "model.pt", true],
    [["ckpt/*.pt"], "other/ckpt/model.pt", false],
    [["ckpt/**"], "ckpt/a/b.txt", true],
    [["preds/**"], "ckpt/a.txt", false],
    [[], "anything", true],
  ] as const)("globs %p match %p: %p", (globs, path, expected) => {
    expect(pathMatcher([...globs])(path)).toBe(expected);
  });

  test.each(["../escape.txt", "a/../../escape.txt", "/etc/passwd", "", "a\0b"])("a kept path never leads out of its folder: %p", (path) => {
    expect(keptPath(dir, path)).toBeNull();
  });

  test("a kept path inside its folder", () => {
    expect(keptPath(dir, "ckpt/model.pt")).toBe(join(dir, "ckpt", "model.pt"));
  });
});

describe("the whole outputs search (where nothing is watched)", () => {
  test("does not look into a virtualenv or a conda environment, told by its own entries: a mark that is a file, a folder or a link to something; not a dangling link", async () => {
    const root = tempDir("exprag-outputs-environments-");
    makeEnvironments(root);
    // Not a wait for anything: the marks' change times must lie further back than the search's 25 ms of clock slack.
    await Bun.sleep(40);
    const since = Date.now();
    writeInEach(root);
    const found = findOutputs({ root, since, globs: [], skip: [] }).files.map((file) => file.path);
    expect(found).toEqual(expectedOutputs(root));
  });

  test("an untouched file whose modification time is set ahead is no output; one copied keeping an old time is", async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "exprag-outputs-times-")));
    try {
      writeFileSync(join(root, "future.txt"), "f");
      utimesSync(join(root, "future.txt"), new Date("2030-01-01"), new Date("2030-01-01"));
      const { ctimeMs } = statSync(join(root, "future.txt"));
      while (Date.now() <= ctimeMs + 100) await Bun.sleep(10); // the run starts after that change, past the search's slack for coarse file times
      const since = Date.now();
      writeFileSync(join(root, "copied.txt"), "c");
      utimesSync(join(root, "copied.txt"), new Date("2001-01-01"), new Date("2001-01-01"));
      const found = findOutputs({ root, since, globs: [], skip: [] }, null);
      expect(found.files.map((file) => file.path)).toEqual(["copied.txt"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("does not look into the kernel's file systems (/proc, /sys...) mounted under its folder, nor search one it starts on", () => {
    const root = realpathSync(tempDir("exprag-outputs-kernel-"));
    const since = Date.now();
    for (const folder of ["p", "s", "d"]) {
      mkdirSync(join(root, folder));
      writeFileSync(join(root, folder, "now"), "");
    }
    const mounts = [
      { id: 1, parent: 0, point: "/", type: "ext4" },
      { id: 2, parent: 1, point: join(root, "p"), type: "proc" },
      { id: 3, parent: 1, point: join(root, "s"), type: "sysfs" },
      { id: 4, parent: 1, point: join(root, "d"), type: "tmpfs" },
    ];
    const paths = (table: typeof mounts) =>
      findOutputs({ root, since, globs: [], skip: [] }, null, kernelFoldersUnder(root, table)).files.map((file) => file.path);
    expect(paths(mounts)).toEqual(["d/now"]);
    expect(paths([...mounts, { id: 5, parent: 1, point: root, type: "proc" }])).toEqual([]);
    expect(paths([])).toEqual(["d/now", "p/now", "s/now"]);
  });
});
