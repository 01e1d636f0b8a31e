/**
 * A name that reaches git (a remote, a branch) never reads as one of git's options, wherever it
 * comes from: the command line, the repository's config. `--upload-pack=CMD` as a remote would
 * run CMD. One test per git call site that takes such a name.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { git, makeRepo, runIn } from "./git-harness";
import { readRecords, runFiles, tempDir } from "./harness";

/** A repository with an origin and one run; `marker` is what an injected command would create. */
async function setUp() {
  const repo = makeRepo();
  const origin = join(tempDir(), "origin.git");
  git(tempDir(), "init", "-q", "--bare", origin);
  git(repo, "remote", "add", "origin", origin);
  expect((await runIn(repo, ["run", "--", "true"])).exitCode).toBe(0);
  const marker = join(tempDir(), "injected");
  return { repo, origin, marker, runId: readRecords(runFiles(join(repo, ".exprag"))[0]!)[0]!.run_id };
}

function refused(result: { exitCode: number; stderr: string }, marker: string): void {
  expect(existsSync(marker)).toBe(false);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain("starts with '-': git would read it as an option");
}

describe("a remote name never becomes a git option", () => {
  test("pull (git fetch): --upload-pack=CMD as the remote runs nothing", async () => {
    const { repo, marker } = await setUp();
    refused(await runIn(repo, ["pull", "--", `--upload-pack=touch ${marker}`]), marker);
  }, 30_000);

  test("push (git ls-remote, git push): --upload-pack=CMD or --receive-pack=CMD as the remote runs nothing", async () => {
    const { repo, marker } = await setUp();
    refused(await runIn(repo, ["push", "--", `--upload-pack=touch ${marker}`]), marker);
    refused(await runIn(repo, ["push", "--", `--receive-pack=touch ${marker}`]), marker);
  }, 30_000);

  test("a branch's upstream configured as such a name is refused for push and pull", async () => {
    const { repo, origin, marker } = await setUp();
    const name = `--upload-pack=touch ${marker}`;
    git(repo, "config", `remote.${name}.url`, origin);
    git(repo, "config", "branch.main.remote", name);
    refused(await runIn(repo, ["pull"]), marker);
    refused(await runIn(repo, ["push"]), marker);
  }, 30_000);
});

describe("a branch name never becomes a git option", () => {
  test("checkout --branch (git checkout -b) and checkout --worktree --branch (git worktree add -b)", async () => {
    const { repo, runId } = await setUp();
    const before = git(repo, "for-each-ref", "refs/heads");
    for (const args of [
      ["checkout", runId, "--branch", "--orphan"],
      ["checkout", runId, "--worktree", join(tempDir(), "wt"), "--branch", "-f"],
    ]) {
      const result = await runIn(repo, args);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain("branch '");
      expect(result.stderr).toContain("starts with '-'");
    }
    expect(git(repo, "for-each-ref", "refs/heads")).toBe(before);
  }, 30_000);
});
