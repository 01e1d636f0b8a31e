import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { indexMayHideChanges } from "../../../src/core/git/index-file";
import { tempDir } from "../../temp-dir";

function repo(version: number): string {
  const dir = tempDir("exprag-index-");
  const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: dir });
  git("init", "-q");
  git("config", "index.version", String(version));
  for (const name of ["a.txt", "dir/b.txt", "dir/longer-name-for-padding.txt"]) {
    Bun.spawnSync(["mkdir", "-p", join(dir, "dir")]);
    writeFileSync(join(dir, name), name);
  }
  git("add", "-A");
  return dir;
}

describe("indexMayHideChanges", () => {
  test.each([2, 3, 4])("reads index version %i: plain, then assume-unchanged, then skip-worktree", (version) => {
    const dir = repo(version);
    const index = join(dir, ".git", "index");
    expect(indexMayHideChanges(index)).toBe(false);
    Bun.spawnSync(["git", "update-index", "--assume-unchanged", "dir/longer-name-for-padding.txt"], { cwd: dir });
    expect(indexMayHideChanges(index)).toBe(true);
    Bun.spawnSync(["git", "update-index", "--no-assume-unchanged", "dir/longer-name-for-padding.txt"], { cwd: dir });
    expect(indexMayHideChanges(index)).toBe(false);
    Bun.spawnSync(["git", "update-index", "--skip-worktree", "dir/b.txt"], { cwd: dir });
    expect(indexMayHideChanges(index)).toBe(true);
  });

  test.each([2, 3, 4])("index version %i: a path longer than the flags can count (4,095 bytes) is stepped over to the entry after it", (version) => {
    const dir = repo(version);
    // Longer than a path can be on disk here: the entry is put in the index directly.
    const long = `${Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(240, "x")).join("/")}/f.txt`;
    const blob = Bun.spawnSync(["git", "hash-object", "-w", "--stdin"], { cwd: dir, stdin: Buffer.from("f") })
      .stdout.toString()
      .trim();
    expect(Bun.spawnSync(["git", "update-index", "--add", "--cacheinfo", `100644,${blob},${long}`], { cwd: dir }).exitCode).toBe(0);
    writeFileSync(join(dir, "zz.txt"), "z");
    Bun.spawnSync(["git", "add", "zz.txt"], { cwd: dir });
    expect(Bun.spawnSync(["git", "ls-files"], { cwd: dir }).stdout.toString()).toContain(long);
    const index = join(dir, ".git", "index");
    expect(indexMayHideChanges(index)).toBe(false);
    Bun.spawnSync(["git", "update-index", "--assume-unchanged", "zz.txt"], { cwd: dir });
    expect(indexMayHideChanges(index)).toBe(true);
  });

  test("a split index: an entry marked in its shared part (sharedindex.<id>) is found, and a shared part gone may hide anything", () => {
    const dir = repo(2);
    const index = join(dir, ".git", "index");
    const git = (...args: string[]) => expect(Bun.spawnSync(["git", ...args], { cwd: dir }).exitCode).toBe(0);
    // Entries older than the index are not racy: a split then leaves every entry in the shared part only.
    const past = new Date(Date.now() - 60_000);
    for (const name of ["a.txt", "dir/b.txt", "dir/longer-name-for-padding.txt"]) utimesSync(join(dir, name), past, past);
    git("update-index", "--really-refresh");
    git("update-index", "--split-index");
    expect(indexMayHideChanges(index)).toBe(false);
    git("update-index", "--assume-unchanged", "a.txt");
    git("update-index", "--no-split-index");
    git("update-index", "--split-index");
    expect(readFileSync(index).readUInt32BE(8)).toBe(0); // no entry in the index itself
    const shared = readdirSync(join(dir, ".git")).filter((name) => name.startsWith("sharedindex."));
    expect(shared.length).toBeGreaterThan(0);
    expect(indexMayHideChanges(index)).toBe(true);
    git("update-index", "--no-assume-unchanged", "a.txt");
    git("update-index", "--no-split-index");
    git("update-index", "--split-index");
    expect(indexMayHideChanges(index)).toBe(false);
    for (const name of readdirSync(join(dir, ".git")).filter((name) => name.startsWith("sharedindex."))) rmSync(join(dir, ".git", name));
    expect(indexMayHideChanges(index)).toBe(true);
  });

  test("no index is nothing hidden; a file that is not an index might hide anything", () => {
    const dir = tempDir("exprag-index-");
    expect(indexMayHideChanges(join(dir, "none"))).toBe(false);
    writeFileSync(join(dir, "junk"), "not an index");
    expect(indexMayHideChanges(join(dir, "junk"))).toBe(true);
  });
});
