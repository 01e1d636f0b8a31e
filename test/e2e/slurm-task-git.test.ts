/**
 * A Slurm sweep's git work: the snapshot is made once, at submit; each task is a run at that
 * existing snapshot and does no more git work than a plain `exprag run` at a clean tree. Every git
 * call is seen through a git first on PATH (which the tasks inherit from the submit) that logs who
 * made it: the array task, or `submit`.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeRepo, runIn, write } from "./git-harness";
import { readRecords, runFiles, runStart, tempDir } from "./harness";
import { noSlurm, slurm, slurmEnv } from "./slurm-harness";

/** The words of a logged git call after git's own options (`-c NAME=VALUE`): its subcommand first. */
function subcommandOf(words: string[]): string {
  for (let i = 0; i < words.length; i++) {
    if (words[i] === "-c") i++;
    else if (!words[i]!.startsWith("-")) return words[i]!;
  }
  return "";
}

/** A git that logs each call, one line: who made it (the array task, else `submit`) and its subcommand. */
function loggingGit(): { path: string; calls: () => { by: string; subcommand: string; words: string[] }[] } {
  const bin = tempDir();
  const log = join(bin, "calls");
  writeFileSync(join(bin, "git"), `#!/bin/sh\nprintf '%s %s\\n' "\${SLURM_ARRAY_TASK_ID:-submit}" "$*" >> '${log}'\nexec '${Bun.which("git")}' "$@"\n`);
  chmodSync(join(bin, "git"), 0o755);
  return {
    path: `${bin}:${process.env.PATH}`,
    calls: () =>
      (existsSync(log) ? readFileSync(log, "utf8") : "")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [by, ...words] = line.split(" ");
          return { by: by!, subcommand: subcommandOf(words), words };
        }),
  };
}

/** How many commit objects the repository holds, reachable or not. */
function commitObjects(repo: string): number {
  return git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype)")
    .split("\n")
    .filter((type) => type === "commit").length;
}

/** What taking a snapshot or making a worktree runs. */
const SNAPSHOT_WORK = ["status", "update-index", "write-tree", "commit-tree", "worktree", "add", "commit", "stash"];

describe.skipIf(noSlurm)(`a Slurm sweep's git work${"reason" in slurm ? ` (skipped: ${slurm.reason})` : ""}`, () => {
  test("one repository probe and one snapshot at submit; each task runs no more git than a plain run at a clean tree, and takes no snapshot", async () => {
    // The yardstick: a plain run at a clean tree (HEAD is its snapshot), tagged as a sweep's task is.
    const clean = makeRepo({ "train.py": "print('hi')\n" });
    const plainGit = loggingGit();
    expect((await runIn(clean, ["run", "--tag=t", "--", "true"], { PATH: plainGit.path })).exitCode).toBe(0);
    const plain = plainGit.calls();
    expect(plain.length).toBeGreaterThan(0);

    const repo = makeRepo({ "train.py": "print('hi')\n" });
    write(repo, "train.py", "print('edited, not committed')\n");
    const commitsBefore = commitObjects(repo);
    const sweepGit = loggingGit();
    const result = await runIn(repo, ["sweep", "--slurm", "--wait", "--json", "--grid", "x=1,2,3", "--", "true"], { ...slurmEnv(), PATH: sweepGit.path });
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout.toString());
    expect(summary.runs.map((run: { status: string }) => run.status)).toEqual(["ok", "ok", "ok"]);

    const calls = sweepGit.calls();
    // The submit finds the repository once and takes the one snapshot.
    const submit = calls.filter((call) => call.by === "submit").map((call) => call.subcommand);
    expect(submit.filter((subcommand) => subcommand === "rev-parse")).toHaveLength(1);
    // One snapshot: one scan of the work tree (the snapshot's status, the only one in porcelain v2), and one commit
    // object more in the repository (made in process, or by commit-tree).
    const scans = calls.filter((call) => call.by === "submit" && call.subcommand === "status" && call.words.includes("--porcelain=v2"));
    expect(scans).toHaveLength(1);
    expect(submit.filter((subcommand) => subcommand === "commit-tree").length).toBeLessThanOrEqual(1);
    expect(commitObjects(repo)).toBe(commitsBefore + 1);
    for (const task of ["0", "1", "2"]) {
      const made = calls.filter((call) => call.by === task).map((call) => call.subcommand);
      expect(made.length).toBeGreaterThan(0); // the log reaches the tasks: the check below checks something
      expect(made.filter((subcommand) => SNAPSHOT_WORK.includes(subcommand))).toEqual([]);
      expect(made.length).toBeLessThanOrEqual(plain.length);
    }

    // Every run at the one snapshot, each on its own run/<id>: no other snapshot ref, no other commit.
    const starts = runFiles(join(repo, ".exprag")).map((file) => runStart(readRecords(file)) as { git: { commit: string; snapshot_ref: string } });
    const commit = starts[0]!.git.commit;
    expect(starts.every((start) => start.git.commit === commit)).toBe(true);
    const refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/run/", "refs/exprag/").trim().split("\n").sort();
    expect(refs).toEqual(summary.runs.map((run: { run_id: string }) => `refs/heads/run/${run.run_id} ${commit}`).sort());
    expect(starts.map((start) => start.git.snapshot_ref).sort()).toEqual(summary.runs.map((run: { run_id: string }) => `refs/heads/run/${run.run_id}`).sort());
  }, 120_000);
});
