import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { indexMayHideChanges } from "../../../src/core/git/index-file";

function repo(version: number): string {
  const dir = mkdtempSync(join(tmpdir(), "exprag-index-"));
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

  test("no index is nothing hidden; a file that is not an index might hide anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "exprag-index-"));
    expect(indexMayHideChanges(join(dir, "none"))).toBe(false);
    writeFileSync(join(dir, "junk"), "not an index");
    expect(indexMayHideChanges(join(dir, "junk"))).toBe(true);
  });
});
