import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitFiles, fingerprint, git, makeRepo, runIn, workTreeFiles, write } from "./git-harness";
import { isLinux, madeOnce, readRecords, runFiles, runStart, tempDir } from "./harness";

/** A repository with two recorded runs: a dirty one (lr 0.03, a new file) and a clean one. */
async function repoWithRuns() {
  const repo = makeRepo({ "train.py": "lr = 0.1\n", "README.md": "# project\n" });
  write(repo, "train.py", "lr = 0.03\n");
  write(repo, "notes.txt", "tried a lower lr\n");
  const dirtyFiles = workTreeFiles(repo);
  const before = fingerprint(repo);
  await runIn(repo, ["run", "--name", "dirty", "--", "true"]);
  expect(fingerprint(repo)).toEqual(before);
  rmSync(join(repo, "notes.txt"));
  git(repo, "checkout", "-q", "--", "train.py");
  const beforeClean = fingerprint(repo);
  await runIn(repo, ["run", "--name", "clean", "--", "true"]);
  expect(fingerprint(repo)).toEqual(beforeClean);
  const [dirty, clean] = runFiles(join(repo, ".exprag")).map((file) => {
    const records = readRecords(file);
    return { id: records[0]!.run_id, git: runStart(records).git };
  });
  return { repo, dirty: dirty!, clean: clean!, dirtyFiles };
}

/** The same `repoWithRuns()` for the tests that only read it. */
const readOnlyRepoWithRuns = madeOnce(repoWithRuns);

describe("exprag checkout", () => {
  test("--worktree puts the run's exact code in a new worktree and leaves the checkout alone", async () => {
    const { repo, dirty, dirtyFiles } = await repoWithRuns();
    const before = fingerprint(repo);
    const target = join(tempDir(), "restored");
    const result = await runIn(repo, ["checkout", dirty.id, "--worktree", target]);
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe("");
    expect(workTreeFiles(target)).toEqual(dirtyFiles);
    expect(git(target, "rev-parse", "HEAD").trim()).toBe(dirty.git.commit);
    const after = fingerprint(repo);
    expect({ ...after, refs: "" }).toEqual({ ...before, refs: "" });
  });

  test("--worktree into a folder that is not empty, or on a bad branch name, fails with git's reason and leaves the branches as they were", async () => {
    const { repo, dirty } = await repoWithRuns();
    const full = join(tempDir(), "full");
    write(full, "kept.txt", "mine\n");
    const before = fingerprint(repo);
    const refused = await runIn(repo, ["checkout", dirty.id, "--worktree", full, "--branch", "leftover"]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("already exists");
    expect(git(repo, "branch", "--list", "leftover")).toBe("");
    expect(readFileSync(join(full, "kept.txt"), "utf8")).toBe("mine\n");
    const badName = await runIn(repo, ["checkout", dirty.id, "--worktree", join(tempDir(), "wt"), "--branch", "bad..name"]);
    expect(badName.stderr).toContain("not a valid branch name");
    expect(fingerprint(repo)).toEqual(before);
    // A branch already there is git's refusal too, and stays where it was.
    git(repo, "branch", "mine", dirty.git.commit);
    const taken = await runIn(repo, ["checkout", dirty.id, "--worktree", join(tempDir(), "wt2"), "--branch", "mine"]);
    expect(taken.stderr).toContain("already exists");
    expect(git(repo, "rev-parse", "mine").trim()).toBe(dirty.git.commit);
  });

  test("in place, it refuses while tracked files have uncommitted changes, and says what to do", async () => {
    const { repo, dirty } = await repoWithRuns();
    write(repo, "README.md", "edited\n");
    const before = fingerprint(repo);
    const result = await runIn(repo, ["checkout", dirty.id]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("uncommitted changes");
    expect(result.stderr).toContain("git stash");
    expect(result.stderr).toContain("--worktree");
    expect(fingerprint(repo)).toEqual(before);
  });

  test("in place on a clean tree: detached at the run's commit, or on a new branch with --branch", async () => {
    const { repo, dirty, dirtyFiles } = await repoWithRuns();
    const done = await runIn(repo, ["checkout", dirty.id]);
    expect(done.exitCode).toBe(0);
    // exprag's own line says it; git's ("HEAD is now at ...") is not said twice.
    expect(done.stderr).toBe(`exprag: run ${dirty.id.replace(/-/g, "").slice(-8)}: checked out commit ${dirty.git.commit.slice(0, 12)} (detached HEAD)\n`);
    expect(git(repo, "rev-parse", "HEAD").trim()).toBe(dirty.git.commit);
    expect(Bun.spawnSync(["git", "symbolic-ref", "-q", "HEAD"], { cwd: repo }).exitCode).toBe(1); // detached
    expect(workTreeFiles(repo)).toEqual(dirtyFiles);
    git(repo, "checkout", "-q", "main");
    expect((await runIn(repo, ["checkout", dirty.id, "--branch", "retry"])).exitCode).toBe(0);
    expect(git(repo, "symbolic-ref", "HEAD").trim()).toBe("refs/heads/retry");
    expect(git(repo, "rev-parse", "HEAD").trim()).toBe(dirty.git.commit);
  });

  test("a clean run restores to its recorded commit even after its branch moved on", async () => {
    const { repo, clean } = await repoWithRuns();
    write(repo, "later.py", "x\n");
    git(repo, "add", "later.py");
    git(repo, "commit", "-qm", "later work");
    expect(clean.git.branch).toBe("main");
    expect((await runIn(repo, ["checkout", clean.id])).exitCode).toBe(0);
    expect(git(repo, "rev-parse", "HEAD").trim()).toBe(clean.git.commit);
  });

  test("a run whose commit is not in this repository, or that has none, fails with one line", async () => {
    const { repo, dirty } = await repoWithRuns();
    git(repo, "branch", "-D", `run/${dirty.id}`);
    git(repo, "reflog", "expire", "--expire=now", "--all");
    git(repo, "gc", "-q", "--prune=now");
    const gone = await runIn(repo, ["checkout", dirty.id]);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toContain("is not in this repository");
    const outside = tempDir();
    await runIn(outside, ["run", "--", "true"]);
    const none = await runIn(repo, ["checkout", "latest", "--dir", join(outside, ".exprag")]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("has no recorded commit (not inside a git work tree)");
  });
});

describe("exprag diff", () => {
  test("shows what changed between two runs, with --stat and with paths", async () => {
    const { repo, dirty, clean } = await readOnlyRepoWithRuns();
    const full = await runIn(repo, ["diff", clean.id, dirty.id]);
    expect(full.exitCode).toBe(0);
    expect(full.text).toContain("-lr = 0.1\n+lr = 0.03");
    expect(full.text).toContain("+tried a lower lr");
    const stat = await runIn(repo, ["diff", "latest", "latest~1", "--stat"]);
    expect(stat.text).toContain("notes.txt | 1 +");
    expect(stat.text).toContain("train.py  | 2 +-");
    const limited = await runIn(repo, ["diff", clean.id, dirty.id, "--", "train.py"]);
    expect(limited.text).toContain("train.py");
    expect(limited.text).not.toContain("notes.txt");
  });

  test("compares a run with the work tree as it is, untracked files included, touching nothing", async () => {
    const { repo, clean } = await repoWithRuns();
    write(repo, "fresh.py", "new idea\n");
    const before = fingerprint(repo);
    const result = await runIn(repo, ["diff", clean.id]);
    expect(result.text).toContain("+new idea");
    expect(fingerprint(repo)).toEqual(before);
  });

  test("an unknown or ambiguous run reference is an error that says which", async () => {
    const { repo, dirty, clean } = await readOnlyRepoWithRuns();
    const unknown = await runIn(repo, ["diff", "ffffffff"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("no run matches 'ffffffff'");
    const common = [...dirty.id].findIndex((c, i) => c !== clean.id[i]);
    const ambiguous = await runIn(repo, ["diff", dirty.id.slice(0, Math.max(common, 4))]);
    expect(ambiguous.exitCode).toBe(1);
    expect(ambiguous.stderr).toContain("matches 2 runs");
    expect(ambiguous.stderr).toContain(dirty.id);
    const tooFar = await runIn(repo, ["diff", "latest~5"]);
    expect(tooFar.stderr).toContain("there are only 2 runs");
  });

  test("short ids (the last 8 hex digits) and latest~N resolve", async () => {
    const { repo, dirty, clean } = await readOnlyRepoWithRuns();
    const short = (id: string) => id.replace(/-/g, "").slice(-8);
    const byShort = await runIn(repo, ["diff", short(clean.id), short(dirty.id), "--stat"]);
    const byLatest = await runIn(repo, ["diff", "latest", "latest~1", "--stat"]);
    expect(byShort.exitCode).toBe(0);
    expect(byShort.text).toBe(byLatest.text);
  });
});

test("restoring a dirty run recorded without a snapshot says what is missing", async () => {
  const repo = makeRepo();
  write(repo, "train.py", "changed\n");
  await runIn(repo, ["run", "--no-snapshot", "--", "true"]);
  const result = await runIn(repo, ["checkout", "latest", "--worktree", join(tempDir(), "wt")]);
  expect(result.exitCode).toBe(0);
  expect(result.stderr).toContain("had uncommitted changes that were not snapshotted");
});

test("diff -- PATHS reads paths from the current folder", async () => {
  const repo = makeRepo({ "sub/b.txt": "b\n", "a.txt": "a\n" });
  await runIn(repo, ["run", "--", "true"]);
  write(repo, "sub/b.txt", "changed\n");
  write(repo, "a.txt", "changed\n");
  const result = await runIn(join(repo, "sub"), ["diff", "latest", "--stat", "--", "b.txt"]);
  expect(result.text).not.toContain("a.txt");
  expect(result.text).toContain("b.txt");
});

describe("exprag gc", () => {
  test("keeps snapshots of runs recorded in another worktree's store, and those whose store is gone", async () => {
    const repo = makeRepo();
    const linked = join(tempDir(), "linked");
    git(repo, "worktree", "add", "-q", "--detach", linked);
    write(linked, "train.py", "worktree change\n");
    await runIn(linked, ["run", "--", "true"]);
    await runIn(repo, ["run", "--", "true"]);
    const result = await runIn(repo, ["gc"]);
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe("");
    const refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/run/").trim();
    expect(refs).not.toBe("");
    // With the store gone nothing proves the run deleted (a store on a disk not mounted looks the same).
    rmSync(join(linked, ".exprag"), { recursive: true });
    const gone = await runIn(repo, ["gc"]);
    expect(gone.exitCode).toBe(0);
    expect(gone.text).toBe("");
    expect(gone.stderr).toContain(`kept ${refs}: its store ${join(linked, ".exprag")} is not here, so its run cannot be proven deleted`);
    expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/run/").trim()).toBe(refs);
  });

  test("keeps the snapshot of a run kept in another store (--dir), deletes it once that run is gone", async () => {
    const repo = makeRepo();
    const elsewhere = tempDir();
    write(repo, "train.py", "changed\n");
    await runIn(repo, ["run", "--dir", elsewhere, "--", "true"]);
    await runIn(repo, ["run", "--", "true"]);
    const before = git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/run/").trim().split("\n");
    expect(before).toHaveLength(2);
    expect((await runIn(repo, ["gc"])).text).toBe("");
    expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/run/").trim().split("\n")).toEqual(before);
    const other = readRecords(runFiles(elsewhere)[0]!)[0]!.run_id;
    rmSync(runFiles(elsewhere)[0]!);
    expect((await runIn(repo, ["gc"])).text).toBe(`refs/heads/run/${other}\n`);
  });

  test("deletes snapshot refs whose run file is gone, and only those; --dry-run deletes nothing", async () => {
    const { repo, dirty } = await repoWithRuns();
    write(repo, "train.py", "third\n");
    await runIn(repo, ["run", "--", "true"]);
    const kept = runFiles(join(repo, ".exprag"))[2]!;
    const keptId = readRecords(kept)[0]!.run_id;
    rmSync(runFiles(join(repo, ".exprag"))[0]!);
    const dry = await runIn(repo, ["gc", "--dry-run"]);
    expect(dry.text).toBe(`refs/heads/run/${dirty.id}\n`);
    expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/run/").trim().split("\n")).toHaveLength(2);
    const real = await runIn(repo, ["gc"]);
    expect(real.text).toBe(`refs/heads/run/${dirty.id}\n`);
    expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/run/").trim()).toBe(`refs/heads/run/${keptId}`);
  });

  test("keeps the snapshot of a run whose exprag is running still (its run file comes after its snapshot), and says so", async () => {
    const { repo, dirty } = await repoWithRuns();
    // The snapshot as a run still starting has it: made by a live process (this test's), no run file yet.
    const boot = isLinux ? readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() : "-";
    const mine = isLinux ? readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19] : "-";
    const starting = "01a24380-0000-7000-8000-0000000000aa";
    const message = `exprag snapshot of run ${starting}\n\nexperiment: x\n\nexprag-store: ${join(repo, ".exprag")}\nexprag-process: ${process.pid} ${mine} ${boot}\n`;
    const commit = git(repo, "commit-tree", "-m", message, `${dirty.git.commit}^{tree}`).trim();
    git(repo, "update-ref", `refs/heads/run/${starting}`, commit);
    // A run of an exprag that has ended, whose file is gone: its snapshot goes.
    rmSync(runFiles(join(repo, ".exprag"))[0]!);
    const result = await runIn(repo, ["gc"]);
    expect(result.text).toBe(`refs/heads/run/${dirty.id}\n`);
    expect(result.stderr).toContain(`kept refs/heads/run/${starting}: the exprag that made it is running still`);
    expect(git(repo, "rev-parse", `refs/heads/run/${starting}`).trim()).toBe(commit);
  });

  test("removes the half-placed files of an exprag killed while placing them, once they are a day old", async () => {
    const { repo, dirty } = await repoWithRuns();
    const runs = join(repo, ".exprag", "runs");
    const dead = Bun.spawnSync(["true"]).pid;
    const old = join(runs, `.${dirty.id}.jsonl.${dead}.0a1b2c3d.starting`);
    const fresh = join(runs, `.${dirty.id}.jsonl.${dead}.0a1b2c3e.starting`);
    // Its writer lives still (stopped, say): it may place it yet.
    const living = join(runs, `.${dirty.id}.jsonl.${process.pid}.0a1b2c30.starting`);
    const oldRoot = join(repo, ".exprag", `.gitignore.${dead}.0a1b2c3f.starting`);
    for (const path of [old, fresh, living, oldRoot]) writeFileSync(path, "{}\n");
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    for (const path of [old, living, oldRoot]) utimesSync(path, twoDaysAgo, twoDaysAgo);
    const dry = JSON.parse((await runIn(repo, ["gc", "--dry-run", "--json"])).text);
    expect(dry.staged_files_deleted.sort()).toEqual([oldRoot, old].sort());
    expect(existsSync(old)).toBe(true);
    const real = await runIn(repo, ["gc"]);
    expect(real.stderr).toContain(`deleted ${old}, left by a run that was killed`);
    expect([existsSync(old), existsSync(oldRoot), existsSync(fresh), existsSync(living)]).toEqual([false, false, true, true]);
  });

  test("removes a temporary index only once its owner is proven dead, whatever its age", async () => {
    const { repo } = await repoWithRuns();
    const dead = Bun.spawnSync(["sh", "-c", "echo $$"], { stdout: "pipe" }).stdout.toString().trim();
    // This test process is the live owner: its pid and (on Linux) its start time in clock ticks.
    const mine = isLinux ? readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19] : "0";
    const gone = join(repo, ".git", `exprag-${dead}-1-0190-killed.index`);
    const live = join(repo, ".git", `exprag-${process.pid}-${mine}-0190-running.index`);
    const ownerless = join(repo, ".git", "exprag-0190-older.index");
    for (const path of [gone, live, ownerless]) {
      writeFileSync(path, "");
      utimesSync(path, new Date(Date.now() - 48 * 3600_000), new Date(Date.now() - 48 * 3600_000));
    }
    const result = await runIn(repo, ["gc"]);
    expect(result.stderr).toContain(`${gone}, left by a run that was killed`);
    expect(result.stderr).toContain(`kept ${ownerless}: it names no owner`);
    expect([existsSync(gone), existsSync(live), existsSync(ownerless)]).toEqual([false, true, true]);
  });

  test("keeps a snapshot branch that is checked out", async () => {
    const { repo, dirty } = await repoWithRuns();
    git(repo, "checkout", "-q", `run/${dirty.id}`);
    rmSync(runFiles(join(repo, ".exprag"))[0]!);
    const result = await runIn(repo, ["gc"]);
    expect(result.text).toBe("");
    expect(result.stderr).toContain("is checked out; kept");
    expect(git(repo, "rev-parse", `run/${dirty.id}`).trim()).toBe(dirty.git.commit);
  });

  test("rm and gc keep a snapshot branch someone committed on: the commit is theirs", async () => {
    const { repo, dirty } = await repoWithRuns();
    git(
      repo,
      "update-ref",
      `refs/heads/run/${dirty.id}`,
      git(repo, "commit-tree", `${dirty.git.commit}^{tree}`, "-p", dirty.git.commit, "-m", "user commit").trim(),
    );
    const moved = git(repo, "rev-parse", `run/${dirty.id}`).trim();
    const result = await runIn(repo, ["rm", dirty.id, "--yes"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(`refs/heads/run/${dirty.id} is not at the run's snapshot any more (commits were made on it); kept`);
    expect(git(repo, "rev-parse", `run/${dirty.id}`).trim()).toBe(moved);
    const gc = await runIn(repo, ["gc"]);
    expect(gc.exitCode).toBe(0);
    expect(gc.stderr).toContain(`kept refs/heads/run/${dirty.id}: its newest commit is not a snapshot exprag made`);
    expect(gc.stderr).not.toContain("update-ref -d");
    expect(git(repo, "rev-parse", `run/${dirty.id}`).trim()).toBe(moved);
    // A branch deleted by hand is no branch kept.
    const { repo: other, dirty: gone } = await repoWithRuns();
    git(other, "branch", "-D", "-q", `run/${gone.id}`);
    const removed = await runIn(other, ["rm", gone.id, "--yes", "--json"]);
    expect(removed.exitCode).toBe(0);
    expect(JSON.parse(removed.text).refs_kept).toEqual([]);
    expect(removed.stderr).not.toContain("kept");
  });
});

test("the snapshot of a run equals the work tree at its start", async () => {
  const { repo, dirty, dirtyFiles } = await repoWithRuns();
  expect(commitFiles(repo, dirty.git.commit)).toEqual(dirtyFiles);
});
