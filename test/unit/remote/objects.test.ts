import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashFile, parseTree, type TreeEntries, treeId } from "../../../src/core/remote/objects";

const dir = mkdtempSync(join(tmpdir(), "exprag-objects-"));

function gitOut(args: string[], input?: string): string {
  const result = Bun.spawnSync(["git", ...args], { cwd: dir, stdin: input === undefined ? "ignore" : Buffer.from(input), stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  return result.stdout.toString().trim();
}
gitOut(["init", "-q"]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The file's `dev:ino`, as a version names the file it hashed. */
const identity = (path: string) => {
  const { dev, ino } = statSync(path, { bigint: true });
  return `${dev}:${ino}`;
};

describe("object ids computed without git", () => {
  test.each([
    ["empty", ""],
    ["one line", '{"kind":"run_start"}\n'],
    ["binary and long", `${"\u0000\u00ff".repeat(200_000)}tail`],
  ])("a file's blob id is git's: %s", (_, content) => {
    const path = join(dir, "file");
    writeFileSync(path, content);
    const version = hashFile(path, "sha1");
    expect(version).toEqual({ path, size: Buffer.byteLength(content), id: gitOut(["hash-object", path]), file: identity(path) });
  });

  test("with wholeLines, only up to the last newline: a record being written is left out", () => {
    const path = join(dir, "torn");
    writeFileSync(path, '{"a":1}\n{"b":2}\n{"c":');
    writeFileSync(join(dir, "whole"), '{"a":1}\n{"b":2}\n');
    expect(hashFile(path, "sha1", true)).toEqual({ path, size: 16, id: gitOut(["hash-object", join(dir, "whole")]), file: identity(path) });
    writeFileSync(path, "no newline at all");
    expect(hashFile(path, "sha1", true)?.size).toBe(0);
  });

  test("a missing file is null; a folder is refused", () => {
    expect(hashFile(join(dir, "nothing"), "sha1")).toBe(null);
    expect(() => hashFile(dir, "sha1")).toThrow();
  });

  test("a tree's id is git mktree's, whatever order the entries come in", () => {
    const blob = (text: string) => gitOut(["hash-object", "-w", "--stdin"], text);
    const entries: TreeEntries = new Map([
      ["run.jsonl", blob("r\n")],
      ["annotations.jsonl", blob("a\n")],
      ["output.log", blob("o\n")],
    ]);
    const listing = [...entries].map(([name, id]) => `100644 blob ${id}\t${name}`).join("\n");
    expect(treeId(entries, "sha1")).toBe(gitOut(["mktree"], `${listing}\n`));
    expect(treeId(new Map(), "sha1")).toBe("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  });

  test("parsing a tree keeps regular files only: links, folders, executables and submodules are left out", () => {
    const blob = gitOut(["hash-object", "-w", "--stdin"], "x");
    const inner = gitOut(["mktree"], `100644 blob ${blob}\tinside\n`);
    const entries = [
      `100644 blob ${blob}\trun.jsonl`,
      `120000 blob ${blob}\toutput.log`,
      `040000 tree ${inner}\tdir`,
      `100755 blob ${blob}\texec`,
      `160000 commit ${"1".repeat(40)}\tsub`,
    ];
    const tree = gitOut(["mktree", "--missing"], `${entries.join("\n")}\n`);
    const raw = Bun.spawnSync(["git", "cat-file", "tree", tree], { cwd: dir, stdout: "pipe" }).stdout;
    expect(parseTree(Buffer.from(raw), "sha1")).toEqual(new Map([["run.jsonl", blob]]));
    expect(parseTree(Buffer.from("100644 trunc"), "sha1")).toEqual(new Map());
  });
});
