import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../../src/core/errors";
import { diffRuns } from "../../../src/core/git/diff";
import { normalizeRunPath, readRunFile } from "../../../src/core/git/files";
import { openRepositoryOrFail } from "../../../src/core/git/repository";

/**
 * A repository with two commits, and a store of hand-made runs pointing at them: the first holds
 * a text file, an executable script, a link, a binary file and a folder; the second renames,
 * modifies, deletes and adds.
 */
const env = { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), "exprag-home-")), GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };
const top = mkdtempSync(join(tmpdir(), "exprag-run-code-"));
const git = (...args: string[]) => {
  const result = Bun.spawnSync(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: top, env, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  return result.stdout.toString().trim();
};
git("init", "-q", "-b", "main");
mkdirSync(join(top, "src"));
writeFileSync(join(top, "src", "train.py"), "lr = 0.1\nprint(lr)\n");
writeFileSync(join(top, "run.sh"), "#!/bin/sh\n");
chmodSync(join(top, "run.sh"), 0o755);
symlinkSync("src/train.py", join(top, "link"));
writeFileSync(join(top, "weights.bin"), Buffer.from([0, 1, 2, 3]));
writeFileSync(join(top, "old-name.txt"), "one\ntwo\nthree\nfour\nfive\n");
git("add", "-A");
git("commit", "-qm", "first");
const first = git("rev-parse", "HEAD");
writeFileSync(join(top, "src", "train.py"), "lr = 0.03\nprint(lr)\n");
git("mv", "old-name.txt", "new-name.txt");
git("rm", "-q", "weights.bin");
writeFileSync(join(top, "added.txt"), "new\n");
git("add", "-A");
git("commit", "-qm", "second");
const second = git("rev-parse", "HEAD");

const store = join(top, ".exprag");
mkdirSync(join(store, "runs"), { recursive: true });
writeFileSync(join(store, ".gitignore"), "*\n");
const runIds = ["0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"];
for (const [index, commit] of [first, second].entries()) {
  const runId = runIds[index]!;
  const start = { git: { commit, head: commit, branch: "main", dirty: false, snapshot_ref: null }, metadata: {} };
  const record = {
    schema_version: 1,
    exprag_version: "0.1.0",
    run_id: runId,
    experiment_name: "t",
    kind: "run_start",
    value: start,
    created_at: "2026-01-01T00:00:00.000Z",
    elapsed_ms: 0,
  };
  writeFileSync(join(store, "runs", `${runId}.jsonl`), `${JSON.stringify(record)}\n`);
}
const { git: repoGit, repo } = openRepositoryOrFail(top, env);
afterAll(() => {
  for (const dir of [top, env.HOME]) rmSync(dir, { recursive: true, force: true });
});

function failure(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error("did not fail");
}

describe("readRunFile", () => {
  test("a file of the run's commit, whatever the work tree holds", () => {
    const file = readRunFile(repoGit, store, runIds[0]!, "src/train.py");
    expect(file).toMatchObject({ run_id: runIds[0], commit: first, path: "src/train.py", kind: "file", size: 19, executable: false, binary: false });
    expect(file.kind === "file" && file.content.toString()).toBe("lr = 0.1\nprint(lr)\n");
  });

  test("an executable, a binary file, a link, a folder and the top", () => {
    expect(readRunFile(repoGit, store, runIds[0]!, "run.sh")).toMatchObject({ kind: "file", executable: true });
    expect(readRunFile(repoGit, store, runIds[0]!, "weights.bin")).toMatchObject({ kind: "file", binary: true, size: 4 });
    expect(readRunFile(repoGit, store, runIds[0]!, "link")).toMatchObject({ kind: "symlink", target: "src/train.py" });
    expect(readRunFile(repoGit, store, runIds[0]!, "./src/")).toMatchObject({
      kind: "directory",
      path: "src",
      entries: [{ name: "train.py", kind: "file", size: 19 }],
    });
    const topEntries = readRunFile(repoGit, store, runIds[1]!, "");
    expect(topEntries.kind === "directory" && topEntries.entries.map((e) => `${e.kind} ${e.name}`)).toEqual([
      "file added.txt",
      "symlink link",
      "file new-name.txt",
      "file run.sh",
      "directory src",
    ]);
  });

  test("a path the commit does not hold, one leaving the repository, and a file over the limit are errors that say so", () => {
    expect(failure(() => readRunFile(repoGit, store, runIds[1]!, "weights.bin"))).toBe("the code of run 00000002 has no weights.bin");
    expect(failure(() => readRunFile(repoGit, store, runIds[1]!, "src/../../etc/passwd"))).toBe(
      "'src/../../etc/passwd' leaves the repository: give a path from its top",
    );
    expect(failure(() => readRunFile(repoGit, store, runIds[0]!, "old-name.txt", () => {}, 10))).toBe(
      "old-name.txt in run 00000001 has 24 bytes, more than the 10 this reads",
    );
  });

  test.each([
    ["src/train.py", "src/train.py"],
    ["./src//train.py", "src/train.py"],
    ["/src/", "src"],
    [".", ""],
    ["", ""],
  ])("the path %p is read as %p", (path, normalized) => {
    expect(normalizeRunPath(path)).toBe(normalized);
  });
});

describe("diffRuns", () => {
  test("the files two runs' commits differ in, renames and binary files included, and git's patch", () => {
    const diff = diffRuns(repoGit, repo, store, runIds[0]!, runIds[1]!);
    expect(diff.from).toEqual({ run_id: runIds[0]!, commit: first });
    expect(diff.to).toEqual({ run_id: runIds[1]!, commit: second });
    expect(diff.files).toEqual([
      { path: "added.txt", status: "A", old_path: null, added: 1, deleted: 0 },
      { path: "new-name.txt", status: "R", old_path: "old-name.txt", added: 0, deleted: 0 },
      { path: "src/train.py", status: "M", old_path: null, added: 1, deleted: 1 },
      { path: "weights.bin", status: "D", old_path: null, added: null, deleted: null },
    ]);
    expect(diff.patch).toBe(`${git("diff", "--no-color", first, second)}\n`);
    expect(diff.truncated).toBe(false);
  });

  test("only some paths; the files alone; a patch cut at a size", () => {
    const onlySrc = diffRuns(repoGit, repo, store, runIds[0]!, runIds[1]!, { paths: ["src"], stat: true });
    expect(onlySrc.files.map((f) => f.path)).toEqual(["src/train.py"]);
    expect(onlySrc.patch).toBeUndefined();
    const cut = diffRuns(repoGit, repo, store, runIds[0]!, runIds[1]!, { maxPatchBytes: 30 });
    expect(cut.patch).toBe(git("diff", "--no-color", first, second).slice(0, 30));
    expect(cut.truncated).toBe(true);
  });

  test("a run against the work tree as it is now, untracked files included", () => {
    writeFileSync(join(top, "scratch.txt"), "untracked\n");
    try {
      const diff = diffRuns(repoGit, repo, store, runIds[1]!, null);
      expect(diff.to).toMatchObject({ work_tree: repo.top, skipped: [] });
      expect(diff.files.map((f) => `${f.status} ${f.path}`)).toEqual(["A scratch.txt"]);
    } finally {
      Bun.spawnSync(["rm", join(top, "scratch.txt")]);
    }
  });
});
