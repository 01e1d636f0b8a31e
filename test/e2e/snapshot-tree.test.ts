/**
 * The snapshot is the tree `git add -A` would make of the same work tree (the store aside): git's
 * own answer, taken in a fresh index read from HEAD, so the user's index is never touched and
 * every file is hashed (a copy of the index with a new timestamp could trust a racily clean entry).
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, gitEnv, gitIdentity, makeRepo, runUntouched, write } from "./git-harness";
import { cleanEnv, tempDir } from "./harness";

/** The tree `git add -A` makes of the work tree, in a fresh index, leaving the store out. */
function addAllTree(repo: string): string {
  const index = join(tempDir(), "index");
  const env = cleanEnv({ ...gitEnv, ...gitIdentity, GIT_INDEX_FILE: index });
  const gitWith = (...args: string[]) => {
    const result = Bun.spawnSync(["git", ...args], { cwd: repo, env, stdout: "pipe", stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
    return result.stdout.toString().trim();
  };
  gitWith("read-tree", "HEAD");
  gitWith("add", "-A", "--", ".", ":(exclude).exprag");
  return gitWith("write-tree");
}

const snapshotTree = (repo: string, commit: string) => git(repo, "rev-parse", `${commit}^{tree}`).trim();

describe("the snapshot is the tree git add -A makes", () => {
  test("changes, deletions, modes, links, hostile names, ignored files and a moved submodule", async () => {
    const library = makeRepo({ "lib.py": "v1\n" });
    const repo = makeRepo({ "train.py": "lr = 0.1\n", "gone.py": "x\n", "staged.py": "s\n", "run.sh": "echo hi\n", "sub/b.txt": "b\n", "dir/c.txt": "c\n" });
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", library, "vendor/lib");
    git(repo, "commit", "-qm", "add submodule");
    write(repo, "vendor/lib/lib.py", "v2\n");
    git(join(repo, "vendor/lib"), "commit", "-qam", "moved on");
    write(repo, "train.py", "lr = 0.03\n");
    rmSync(join(repo, "gone.py"));
    write(repo, "staged.py", "staged version\n");
    git(repo, "add", "staged.py");
    write(repo, "staged.py", "work tree version wins\n");
    chmodSync(join(repo, "run.sh"), 0o755);
    rmSync(join(repo, "sub"), { recursive: true });
    symlinkSync("vendor", join(repo, "sub"));
    rmSync(join(repo, "dir"), { recursive: true });
    write(repo, "dir", "a file where a folder was\n");
    symlinkSync("train.py", join(repo, "link.py"));
    write(repo, "new/deep/notes.txt", "untracked\n");
    write(repo, "new\nline.txt", "newline\n");
    write(repo, "données/ünïcode ✓.txt", "unicode\n");
    writeFileSync(Buffer.concat([Buffer.from(`${repo}/latin1-`), Buffer.from([0xe9]), Buffer.from(".txt")]), "latin1\n");
    write(repo, ".gitignore", "*.ckpt\n");
    write(repo, "model.ckpt", "ignored\n");

    const { git: state } = await runUntouched(repo);
    expect(state.skipped).toEqual([]);
    expect(snapshotTree(repo, state.commit)).toBe(addAllTree(repo));
  }, 30_000);

  test("deletions only, one beyond a folder that became a link to nowhere", async () => {
    const repo = makeRepo({ "a.txt": "a\n", "b.txt": "b\n", "gone/c.txt": "c\n", "keep.txt": "k\n" });
    rmSync(join(repo, "a.txt"));
    rmSync(join(repo, "b.txt"));
    rmSync(join(repo, "gone"), { recursive: true });
    symlinkSync("/nonexistent", join(repo, "gone"));
    const { git: state } = await runUntouched(repo);
    expect(snapshotTree(repo, state.commit)).toBe(addAllTree(repo));
    const onlyDeletions = makeRepo({ "a.txt": "a\n", "keep.txt": "k\n" });
    rmSync(join(onlyDeletions, "a.txt"));
    const deleted = (await runUntouched(onlyDeletions)).git;
    expect(snapshotTree(onlyDeletions, deleted.commit)).toBe(addAllTree(onlyDeletions));
  }, 30_000);

  test("thousands of changed files, taken in several update steps", async () => {
    // More than the first two steps of update-index (1,000 then 2,000 files) take.
    const repo = makeRepo({ "train.py": "a\n", "keep/0.txt": "0\n" });
    for (let i = 0; i < 3500; i++) write(repo, `data/${i % 7}/file-${i}.txt`, `${i}\n`);
    write(repo, "train.py", "b\n");
    rmSync(join(repo, "keep/0.txt"));
    const { git: state } = await runUntouched(repo);
    expect(state.status.total).toBe(3502);
    expect(snapshotTree(repo, state.commit)).toBe(addAllTree(repo));
  }, 60_000);
});
