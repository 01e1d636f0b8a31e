/**
 * A branch written in process against the one `git update-ref` writes: the same ref file and
 * reflog entry, byte for byte; and nothing written wherever git would refuse or do otherwise.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createBranchFile } from "../../../src/core/git/branch-file";
import { tempDir } from "../../temp-dir";

const home = tempDir("exprag-home-");
const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C", GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@example.com" };
const identity = { GIT_COMMITTER_NAME: "exprag", GIT_COMMITTER_EMAIL: "exprag@localhost" };
const STAMP = "exprag <exprag@localhost> 1700000000 +0530";
const MESSAGE = "exprag: snapshot of run 01a24380-0000-7000-8000-00000000000d";

function git(top: string, ...args: string[]): string {
  const result = Bun.spawnSync(["git", ...args], { cwd: top, env: { ...env, ...identity }, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
  return result.stdout.toString().trim();
}

function repository(): { top: string; gitDir: string; commit: string } {
  const top = tempDir("exprag-branch-file-");
  git(top, "init", "-q", "-b", "main");
  writeFileSync(join(top, "a.txt"), "a\n");
  git(top, "add", "-A");
  git(top, "commit", "-qm", "first");
  return { top, gitDir: join(top, ".git"), commit: git(top, "rev-parse", "HEAD") };
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

describe("a branch written in process", () => {
  test("the same ref and reflog entry as update-ref writes, and git reads it", () => {
    const { top, gitDir, commit } = repository();
    expect(createBranchFile(gitDir, "refs/heads/run/ours", commit, STAMP, MESSAGE)).toBe(true);
    Bun.spawnSync(["git", "update-ref", "-m", MESSAGE, "refs/heads/run/theirs", commit, ""], {
      cwd: top,
      env: { ...env, ...identity, GIT_COMMITTER_DATE: "1700000000 +0530" },
    });
    for (const folder of ["", "logs"]) {
      expect(readFileSync(join(gitDir, folder, "refs/heads/run/ours"), "latin1")).toBe(readFileSync(join(gitDir, folder, "refs/heads/run/theirs"), "latin1"));
    }
    expect(git(top, "rev-parse", "run/ours")).toBe(commit);
    expect(git(top, "reflog", "show", "--format=%gs", "run/ours")).toBe(MESSAGE);
    expect(existsSync(join(gitDir, "refs/heads/run/ours.lock"))).toBe(false);
    git(top, "fsck", "--strict", "--no-progress");
  });

  test("a branch named `run`, loose or packed: nothing written, left to git", () => {
    for (const packed of [false, true]) {
      const { top, gitDir, commit } = repository();
      git(top, "branch", "run");
      if (packed) git(top, "pack-refs", "--all");
      expect(createBranchFile(gitDir, "refs/heads/run/x", commit, STAMP, MESSAGE)).toBe(false);
      expect(existsSync(join(gitDir, "logs/refs/heads/run/x"))).toBe(false);
      expect(git(top, "for-each-ref", "--format=%(refname)", "refs/heads/")).toBe("refs/heads/main\nrefs/heads/run");
    }
  });

  test("the name packed already, or a branch packed under it: nothing written", () => {
    for (const name of ["refs/heads/run/x", "refs/heads/run/x/y"]) {
      const { top, gitDir, commit } = repository();
      git(top, "update-ref", name, commit);
      git(top, "pack-refs", "--all");
      rmSync(join(gitDir, "logs", name), { force: true });
      expect(createBranchFile(gitDir, "refs/heads/run/x", commit, STAMP, MESSAGE)).toBe(false);
      // (pack-refs leaves the folders of the loose refs it packed, and their reflogs')
      expect(isFile(join(gitDir, "refs/heads/run/x"))).toBe(false);
      expect(isFile(join(gitDir, "logs/refs/heads/run/x"))).toBe(false);
    }
  });

  test("packed refs git would refuse (a line unended, or not a ref): nothing written, left to git, which says why", () => {
    for (const tail of ["refs/heads/run/x", "refs/heads/other\nnot a ref line\n"]) {
      const { top, gitDir, commit } = repository();
      writeFileSync(join(gitDir, "packed-refs"), `# pack-refs with: peeled fully-peeled sorted \n${commit} ${tail}`);
      expect(Bun.spawnSync(["git", "update-ref", "-m", MESSAGE, "refs/heads/run/x", commit, ""], { cwd: top, env }).exitCode).not.toBe(0);
      expect(createBranchFile(gitDir, "refs/heads/run/x", commit, STAMP, MESSAGE)).toBe(false);
      expect(existsSync(join(gitDir, "refs/heads/run/x"))).toBe(false);
    }
  });

  test("packed refs as git writes them, tags peeled, a name only sharing the branch's prefix: the branch written", () => {
    const { top, gitDir, commit } = repository();
    git(top, "tag", "-a", "-m", "t", "v1");
    git(top, "branch", "run-other");
    git(top, "update-ref", "refs/heads/run/xy", commit);
    git(top, "pack-refs", "--all");
    expect(readFileSync(join(gitDir, "packed-refs"), "latin1")).toContain("\n^");
    expect(createBranchFile(gitDir, "refs/heads/run/x", commit, STAMP, MESSAGE)).toBe(true);
    expect(git(top, "rev-parse", "run/x")).toBe(commit);
    git(top, "fsck", "--strict", "--no-progress");
  });

  test("packed refs too big to read at once: left to git", () => {
    const { gitDir, commit } = repository();
    const line = `${commit} refs/tags/${"t".repeat(200)}`;
    writeFileSync(
      join(gitDir, "packed-refs"),
      `# pack-refs with: peeled fully-peeled sorted \n${Array.from({ length: 5000 }, (_, i) => `${line}${i}\n`).join("")}`,
    );
    expect(createBranchFile(gitDir, "refs/heads/run/x", commit, STAMP, MESSAGE)).toBe(false);
    expect(existsSync(join(gitDir, "refs/heads/run/x"))).toBe(false);
  });

  test("the lock held by another writer: nothing written, the lock left to its holder", () => {
    const { gitDir, commit } = repository();
    mkdirSync(join(gitDir, "refs/heads/run"), { recursive: true });
    writeFileSync(join(gitDir, "refs/heads/run/x.lock"), "theirs\n");
    expect(createBranchFile(gitDir, "refs/heads/run/x", commit, STAMP, MESSAGE)).toBe(false);
    expect(readFileSync(join(gitDir, "refs/heads/run/x.lock"), "utf8")).toBe("theirs\n");
    expect(existsSync(join(gitDir, "refs/heads/run/x"))).toBe(false);
  });

  test("the branch there already, or a folder in its place: left as it is, the lock taken back", () => {
    const { top, gitDir, commit } = repository();
    git(top, "update-ref", "refs/heads/run/x", commit);
    const before = readFileSync(join(gitDir, "logs/refs/heads/run/x"), "latin1");
    expect(createBranchFile(gitDir, "refs/heads/run/x", `${"0".repeat(39)}1`, STAMP, MESSAGE)).toBe(false);
    expect(git(top, "rev-parse", "run/x")).toBe(commit);
    expect(readFileSync(join(gitDir, "logs/refs/heads/run/x"), "latin1")).toBe(before);
    mkdirSync(join(gitDir, "refs/heads/run/folder"));
    expect(createBranchFile(gitDir, "refs/heads/run/folder", commit, STAMP, MESSAGE)).toBe(false);
    expect(existsSync(join(gitDir, "refs/heads/run/x.lock")) || existsSync(join(gitDir, "refs/heads/run/folder.lock"))).toBe(false);
  });

  test("a folder where the reflog goes (a branch under the name deleted, its reflog's folder left): the lock taken back, left to git, which makes it", () => {
    const { top, gitDir, commit } = repository();
    mkdirSync(join(gitDir, "logs/refs/heads/run/x/y"), { recursive: true });
    expect(createBranchFile(gitDir, "refs/heads/run/x", commit, STAMP, MESSAGE)).toBe(false);
    expect(existsSync(join(gitDir, "refs/heads/run/x"))).toBe(false);
    expect(existsSync(join(gitDir, "refs/heads/run/x.lock"))).toBe(false);
    git(top, "update-ref", "-m", MESSAGE, "refs/heads/run/x", commit, "");
    expect(git(top, "rev-parse", "run/x")).toBe(commit);
  });

  // Root writes anywhere: only an ordinary user meets a folder it may not write.
  test.skipIf(process.getuid?.() === 0)("branches' folder not writable: nothing written, left to git", () => {
    const { gitDir, commit } = repository();
    mkdirSync(join(gitDir, "refs/heads/run"));
    for (const folder of ["refs/heads", "refs/heads/run"]) {
      chmodSync(join(gitDir, folder), 0o555);
      try {
        const ref = folder === "refs/heads" ? "refs/heads/other/x" : "refs/heads/run/x";
        expect([folder, createBranchFile(gitDir, ref, commit, STAMP, MESSAGE)]).toEqual([folder, false]);
        expect(existsSync(join(gitDir, "logs", ref))).toBe(false);
      } finally {
        chmodSync(join(gitDir, folder), 0o755);
      }
    }
  });

  test("names and ids git would refuse or spell otherwise: nothing written", () => {
    const { gitDir, commit } = repository();
    for (const ref of ["refs/heads/a..b", "refs/heads/x.lock", "refs/heads/.hidden", "refs/heads/x/", "refs/tags/x", "refs/heads/a b", "refs/heads/a//b"]) {
      expect([ref, createBranchFile(gitDir, ref, commit, STAMP, MESSAGE)]).toEqual([ref, false]);
    }
    expect(createBranchFile(gitDir, "refs/heads/short", commit.slice(0, 39), STAMP, MESSAGE)).toBe(false);
    expect(existsSync(join(gitDir, "refs/heads/short"))).toBe(false);
  });
});
