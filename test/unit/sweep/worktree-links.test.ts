import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepository } from "../../../src/core/git/repository";
import { ignoredPaths, unlistedIgnoredWarning } from "../../../src/core/sweep/worktree";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A repository with an ignored data/ folder, opened with a git whose first `failures` listings of
 * the ignored files fail as git's do when they meet a worktree being added meanwhile.
 */
function repository(failures: number) {
  const top = mkdtempSync(join(tmpdir(), "exprag-links-"));
  const bin = mkdtempSync(join(tmpdir(), "exprag-links-bin-"));
  dirs.push(top, bin);
  Bun.spawnSync(["git", "init", "-q"], { cwd: top });
  writeFileSync(join(top, ".gitignore"), "data/\n");
  mkdirSync(join(top, "data"));
  writeFileSync(join(top, "data", "train.csv"), "x\n");
  const failed = join(bin, "failed");
  writeFileSync(
    join(bin, "git"),
    [
      "#!/bin/sh",
      'case "$*" in *ls-files*)',
      `  if [ "$(cat '${failed}' 2>/dev/null | wc -l)" -lt ${failures} ]; then`,
      `    echo x >> '${failed}'; echo "fatal: failed to read .git/worktrees/w/commondir: No such file or directory" >&2; exit 128`,
      "  fi;;",
      "esac",
      `exec '${Bun.which("git")}' "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "git"), 0o755);
  const opened = openRepository(top, { ...process.env, PATH: `${bin}:${process.env.PATH}` });
  if (typeof opened === "string") throw new Error(opened);
  return opened;
}

describe("the ignored files a sweep's worktree links in", () => {
  test("a listing git fails (it met a worktree being added meanwhile) is read once more", async () => {
    const { git, repo } = repository(1);
    expect(await ignoredPaths(git, repo)).toEqual({ paths: ["data/"] });
  });

  test("a listing that fails again gives none, and git's words to warn with", async () => {
    const { git, repo } = repository(2);
    const listed = await ignoredPaths(git, repo);
    expect(listed.paths).toEqual([]);
    expect(listed.failure).toBe("fatal: failed to read .git/worktrees/w/commondir: No such file or directory");
    expect(unlistedIgnoredWarning(listed.failure!)).toContain("not linked into the worktree");
  });
});
