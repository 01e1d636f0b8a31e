import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitFiles, fingerprint, git, makeRepo, runIn, runUntouched, workTreeFiles, write } from "./git-harness";
import { EXPRAG, isRoot, onlyRun, readRecords, runFiles, runStart, tempDir, works } from "./harness";

const head = (repo: string) => git(repo, "rev-parse", "HEAD").trim();

describe("git capture: clean and dirty", () => {
  test("a clean tree is HEAD on its branch, and no ref is made", async () => {
    const repo = makeRepo();
    const { git: state } = await runUntouched(repo);
    expect(state).toMatchObject({
      commit: head(repo),
      branch: "main",
      head: head(repo),
      dirty: false,
      snapshot_ref: null,
      status: { lines: [], total: 0 },
      skipped: [],
    });
    expect(git(repo, "for-each-ref", "refs/heads/run/")).toBe("");
  });

  test("a dirty tree is committed whole onto run/<id>, parent HEAD, exactly as it was", async () => {
    const repo = makeRepo({ "train.py": "lr = 0.1\n", "gone.py": "x\n", "staged.py": "s\n", "run.sh": "#!/bin/sh\necho hi\n" });
    write(repo, "train.py", "lr = 0.03\n");
    rmSync(join(repo, "gone.py"));
    write(repo, "staged.py", "staged version\n");
    git(repo, "add", "staged.py");
    write(repo, "staged.py", "work tree version wins\n");
    write(repo, "new/notes.txt", "untracked, not ignored\n");
    write(repo, ".gitignore", "*.ckpt\n");
    write(repo, "model.ckpt", "ignored\n");
    chmodSync(join(repo, "run.sh"), 0o755);
    symlinkSync("train.py", join(repo, "link.py"));
    const expected = workTreeFiles(repo);
    delete expected["model.ckpt"];

    const { git: state } = await runUntouched(repo);
    const runId = onlyRun(join(repo, ".exprag"))[0]!.run_id;
    expect(state).toMatchObject({ branch: `run/${runId}`, head: head(repo), dirty: true, snapshot_ref: `refs/heads/run/${runId}` });
    expect(git(repo, "rev-parse", `run/${runId}`).trim()).toBe(state.commit);
    expect(git(repo, "rev-parse", `${state.commit}^`).trim()).toBe(head(repo));
    expect(commitFiles(repo, state.commit)).toEqual(expected);
    expect(state.status.lines).toEqual(expect.arrayContaining([" M train.py", " D gone.py", "MM staged.py", "?? new/notes.txt", "?? link.py"]));
    expect(git(repo, "log", "-1", "--format=%an <%ae>", state.commit).trim()).toBe("exprag <exprag@localhost>");
  });

  test("the command never sees a GIT_INDEX_FILE of exprag's", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "changed\n");
    const { result } = await runUntouched(repo, ["run", "--", "sh", "-c", 'echo "${GIT_INDEX_FILE-unset}"']);
    expect(result.text).toBe("unset\n");
  });

  test("--no-snapshot records commit, branch and dirty flag only", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "changed\n");
    const { git: state } = await runUntouched(repo, ["run", "--no-snapshot", "--", "true"]);
    expect(state).toMatchObject({ commit: head(repo), branch: "main", dirty: true, snapshot_ref: null, status: { lines: [" M train.py"], total: 1 } });
    expect(git(repo, "for-each-ref", "refs/heads/run/")).toBe("");
  });

  test("leaves out untracked files over --snapshot-max-size without hashing them into .git", async () => {
    const repo = makeRepo();
    write(repo, "small.txt", "small\n");
    write(repo, "big.ckpt", Buffer.alloc(2048, 1));
    const { git: state } = await runUntouched(repo, ["run", "--snapshot-max-size", "1K", "--", "true"]);
    expect(state.skipped).toEqual([{ path: "big.ckpt", reason: "larger than 1024 bytes", bytes: 2048 }]);
    expect(Object.keys(commitFiles(repo, state.commit))).toContain("small.txt");
    expect(Object.keys(commitFiles(repo, state.commit))).not.toContain("big.ckpt");
    const blob = git(repo, "hash-object", "big.ckpt").trim();
    expect(Bun.spawnSync(["git", "cat-file", "-e", blob], { cwd: repo }).exitCode).not.toBe(0);
  });

  test("the store never enters a snapshot, wherever it lies and wherever exprag starts", async () => {
    const repo = makeRepo();
    write(repo, "sub/change.txt", "x\n");
    const before = fingerprint(repo);
    await runIn(join(repo, "sub"), ["run", "--dir", join(repo, "data", "store"), "--", "true"]);
    const state = runStart(onlyRun(join(repo, "data", "store"))).git;
    expect(Object.keys(commitFiles(repo, state.commit)).sort()).toEqual(["README.md", "sub/change.txt", "train.py"]);
    const after = fingerprint(repo);
    expect(Object.keys(after.files).filter((f) => f.startsWith("data/"))).not.toHaveLength(0);
    expect({ ...after, files: {}, status: "" }).toEqual({ ...before, files: {}, status: "" });
    expect(after.status).toBe(before.status);
  });

  test("starting in a subdirectory snapshots the whole tree and stores at the top", async () => {
    const repo = makeRepo();
    mkdirSync(join(repo, "deep", "er"), { recursive: true });
    write(repo, "train.py", "changed\n");
    const { git: state } = await runUntouched(repo, ["run", "--", "true"], join(repo, "deep", "er"));
    expect(commitFiles(repo, state.commit)["train.py"]).toBe(workTreeFiles(repo)["train.py"]);
  });
});

describe("git capture: the known traps", () => {
  test("a repository with no commits: a snapshot without parent", async () => {
    const repo = makeRepo({});
    write(repo, "first.py", "print(1)\n");
    const { git: state } = await runUntouched(repo);
    expect(state).toMatchObject({ head: null, dirty: true });
    expect(git(repo, "rev-list", "--parents", "-n1", state.commit).trim()).toBe(state.commit);
    expect(Object.keys(commitFiles(repo, state.commit))).toEqual(["first.py"]);
  });

  test("an empty repository with nothing in it: no commit, nothing dirty", async () => {
    const repo = makeRepo({});
    const { git: state } = await runUntouched(repo);
    expect(state).toMatchObject({ commit: null, branch: "main", head: null, dirty: false });
  });

  test("detached HEAD: branch is null when clean; the snapshot's parent is HEAD when dirty", async () => {
    const repo = makeRepo();
    git(repo, "checkout", "-q", "--detach");
    expect((await runUntouched(repo)).git).toMatchObject({ branch: null, commit: head(repo), dirty: false });
    const dirty = makeRepo();
    git(dirty, "checkout", "-q", "--detach");
    write(dirty, "train.py", "x\n");
    const { git: state } = await runUntouched(dirty);
    expect(git(dirty, "rev-parse", `${state.commit}^`).trim()).toBe(head(dirty));
  });

  test("a linked git worktree uses its own index and HEAD", async () => {
    const repo = makeRepo();
    const linked = join(tempDir(), "linked");
    git(repo, "worktree", "add", "-q", "-b", "feature", linked);
    write(linked, "train.py", "feature work\n");
    const { git: state } = await runUntouched(linked);
    expect(state).toMatchObject({ head: head(linked), dirty: true });
    expect(commitFiles(linked, state.commit)["train.py"]).toBe(workTreeFiles(linked)["train.py"]);
    expect(git(repo, "status", "--porcelain")).toBe("");
  });

  test("a submodule with uncommitted changes is recorded as dirty", async () => {
    const library = makeRepo({ "lib.py": "v1\n" });
    const repo = makeRepo();
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", library, "vendor/lib");
    git(repo, "commit", "-qm", "add submodule");
    write(repo, "vendor/lib/lib.py", "local edit\n");
    const { git: state } = await runUntouched(repo);
    expect(state.submodules).toEqual([{ path: "vendor/lib", commit: head(join(repo, "vendor/lib")), dirty: true }]);
  });

  test("an untracked nested repository with no commits is left out, not fatal", async () => {
    const repo = makeRepo();
    mkdirSync(join(repo, "scratch"));
    git(join(repo, "scratch"), "init", "-q");
    write(repo, "scratch/notes.txt", "x\n");
    write(repo, "train.py", "changed\n");
    const { git: state } = await runUntouched(repo);
    expect(state.skipped).toEqual([{ path: "scratch/", reason: "nested git repository" }]);
    expect(state.snapshot_ref).not.toBeNull();
  });

  test("a cone sparse checkout keeps the files outside the cone in the snapshot", async () => {
    const repo = makeRepo({ "a/x.py": "x\n", "b/y.py": "y\n", "top.py": "t\n" });
    git(repo, "sparse-checkout", "set", "--cone", "a");
    write(repo, "a/x.py", "changed\n");
    const { git: state } = await runUntouched(repo);
    expect(Object.keys(commitFiles(repo, state.commit)).sort()).toEqual(["a/x.py", "b/y.py", "top.py"]);
  });

  test("a merge in progress: the conflicted work tree is the snapshot", async () => {
    const repo = makeRepo({ "f.txt": "base\n" });
    git(repo, "checkout", "-q", "-b", "other");
    write(repo, "f.txt", "other\n");
    git(repo, "commit", "-qam", "other");
    git(repo, "checkout", "-q", "main");
    write(repo, "f.txt", "main\n");
    git(repo, "commit", "-qam", "main");
    Bun.spawnSync(["git", "merge", "other"], {
      cwd: repo,
      env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" },
    });
    const { git: state } = await runUntouched(repo);
    expect(state.status.lines).toContain("UU f.txt");
    expect(commitFiles(repo, state.commit)["f.txt"]).toBe(workTreeFiles(repo)["f.txt"]);
  });

  test("a stale index.lock does not stop the snapshot", async () => {
    const repo = makeRepo();
    writeFileSync(join(repo, ".git", "index.lock"), "");
    write(repo, "train.py", "changed\n");
    const { git: state } = await runUntouched(repo);
    expect(state.snapshot_ref).not.toBeNull();
  });

  test("a branch named run: the snapshot goes to refs/exprag/run/<id>, and says so", async () => {
    const repo = makeRepo();
    git(repo, "branch", "run");
    write(repo, "train.py", "changed\n");
    const { git: state } = await runUntouched(repo);
    const runId = onlyRun(join(repo, ".exprag"))[0]!.run_id;
    expect(state).toMatchObject({ snapshot_ref: `refs/exprag/run/${runId}`, branch: null });
    expect(state.note).toContain(`refs/exprag/run/${runId}`);
    expect(git(repo, "rev-parse", `refs/exprag/run/${runId}`).trim()).toBe(state.commit);
  });

  test("no user identity and commit.gpgsign=true: the snapshot has its own identity and is not signed", async () => {
    const repo = makeRepo();
    git(repo, "config", "commit.gpgsign", "true");
    git(repo, "config", "user.useConfigOnly", "true");
    write(repo, "train.py", "changed\n");
    const { git: state } = await runUntouched(repo);
    expect(state.snapshot_ref).not.toBeNull();
    expect(git(repo, "cat-file", "commit", state.commit)).not.toContain("gpgsig");
  });

  test("file names with spaces, newlines and non-UTF-8 bytes", async () => {
    const repo = makeRepo();
    write(repo, "with space.txt", "a\n");
    write(repo, "new\nline.txt", "b\n");
    writeFileSync(Buffer.concat([Buffer.from(`${repo}/latin1-`), Buffer.from([0xe9]), Buffer.from(".txt")]), "c\n");
    const { git: state } = await runUntouched(repo);
    const names = Object.keys(commitFiles(repo, state.commit));
    expect(names).toEqual(expect.arrayContaining(["with space.txt", "new\nline.txt"]));
    expect(names.some((name) => name.startsWith("latin1-"))).toBe(true);
    expect(names).toHaveLength(5);
  });

  test("16 runs started at once in one dirty repository make 16 snapshots", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "changed\n");
    write(repo, "untracked.txt", "u\n");
    const before = fingerprint(repo);
    const results = await Promise.all(Array.from({ length: 16 }, () => runIn(repo, ["run", "--", "true"])));
    expect(results.map((r) => r.exitCode)).toEqual(Array(16).fill(0));
    const states = runFiles(join(repo, ".exprag")).map((file) => runStart(readRecords(file)).git);
    expect(states).toHaveLength(16);
    expect(states.filter((s) => s.snapshot_ref?.startsWith("refs/heads/run/") && !s.note)).toHaveLength(16);
    expect(new Set(states.map((s) => s.commit && git(repo, "rev-parse", `${s.commit}^{tree}`).trim())).size).toBe(1);
    expect(fingerprint(repo)).toEqual(before);
  }, 60_000);
});

describe("git capture: changes git would not show by default", () => {
  test("a tracked folder replaced by a symbolic link", async () => {
    const repo = makeRepo({ "sub/b.txt": "b\n", "a.txt": "a\n" });
    rmSync(join(repo, "sub"), { recursive: true });
    symlinkSync("/tmp", join(repo, "sub"));
    const { git: state } = await runUntouched(repo);
    expect(state.snapshot_ref).not.toBeNull();
    expect(commitFiles(repo, state.commit)).toEqual({ "a.txt": workTreeFiles(repo)["a.txt"]!, sub: "120000 /tmp" });
  });

  test("files marked assume-unchanged or skip-worktree that were changed anyway", async () => {
    const repo = makeRepo({ "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n" });
    git(repo, "update-index", "--assume-unchanged", "a.txt");
    git(repo, "update-index", "--skip-worktree", "b.txt");
    write(repo, "a.txt", "changed a\n");
    write(repo, "b.txt", "changed b\n");
    const { git: state } = await runUntouched(repo);
    expect(commitFiles(repo, state.commit)).toEqual(workTreeFiles(repo));
  });

  test("no user hook runs for exprag's own git calls", async () => {
    const repo = makeRepo();
    const marker = join(tempDir(), "hook-ran");
    write(repo, ".git/hooks/post-index-change", `#!/bin/sh\necho ran >> ${marker}\n`);
    write(repo, ".git/hooks/reference-transaction", `#!/bin/sh\necho ran >> ${marker}\n`);
    chmodSync(join(repo, ".git/hooks/post-index-change"), 0o755);
    chmodSync(join(repo, ".git/hooks/reference-transaction"), 0o755);
    write(repo, "train.py", "changed\n");
    await runUntouched(repo);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("git capture: when there is no snapshot, the run goes on and says why", () => {
  test("outside a repository", async () => {
    const cwd = tempDir();
    const result = await runIn(cwd, ["run", "--", "true"]);
    expect(result.exitCode).toBe(0);
    expect(runStart(onlyRun(join(cwd, ".exprag"))).git).toMatchObject({ commit: null, dirty: null, note: "not inside a git work tree" });
  });

  test("without git on PATH", async () => {
    const repo = makeRepo();
    const bin = tempDir();
    symlinkSync("/bin/true", join(bin, "true"));
    const result = await runIn(repo, ["run", "--", "true"], { PATH: bin });
    expect(result.exitCode).toBe(0);
    expect(runStart(onlyRun(join(repo, ".exprag"))).git).toMatchObject({ commit: null, note: "git is not installed" });
  });

  test("a bare repository", async () => {
    const bare = tempDir();
    git(bare, "init", "-q", "--bare");
    const store = tempDir();
    const result = await runIn(bare, ["run", "--dir", store, "--", "true"]);
    expect(result.exitCode).toBe(0);
    expect(runStart(onlyRun(store)).git).toMatchObject({ commit: null, snapshot_ref: null, note: "a bare repository has no work tree" });
  });

  test.skipIf(!isRoot)("dubious ownership: git's refusal is recorded, never bypassed (needs root to chown)", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "changed\n");
    chownSync(repo, 12345, 12345);
    const store = tempDir();
    const result = await runIn(repo, ["run", "--dir", store, "--", "true"]);
    expect(result.exitCode).toBe(0);
    const state = runStart(onlyRun(store)).git;
    expect(state.note).toContain("dubious ownership");
    expect(state.snapshot_ref).toBeNull();
    chownSync(repo, 0, 0);
    expect(git(repo, "for-each-ref", "refs/heads/run/")).toBe("");
  });

  // Root writes through any mode, so as root the run drops to nobody with setpriv.
  test.skipIf(isRoot && !works("setpriv", "--version"))("a read-only .git: no snapshot, the reason recorded, the run unharmed", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "changed\n");
    const store = tempDir();
    const home = tempDir();
    if (isRoot) for (const dir of [repo, store, home]) Bun.spawnSync(["chown", "-R", "65534:65534", dir]);
    Bun.spawnSync(["chmod", "-R", "a-w", join(repo, ".git")]);
    const asUser = isRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
    const proc = Bun.spawnSync([...asUser, EXPRAG, "run", "--dir", store, "--", "sh", "-c", "echo ran"], {
      cwd: repo,
      env: { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1" },
      stdout: "pipe",
      stderr: "pipe",
    });
    Bun.spawnSync(["chmod", "-R", "u+w", join(repo, ".git")]);
    expect(proc.stdout.toString()).toBe("ran\n");
    expect(proc.exitCode).toBe(0);
    const state = runStart(onlyRun(store)).git;
    expect(state).toMatchObject({ commit: null, head: expect.any(String), dirty: null, snapshot_ref: null });
    expect(state.note).toStartWith("no snapshot:");
  });
});
