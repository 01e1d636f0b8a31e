import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitFiles, fingerprint, git, makeRepo, runIn, workTreeFiles, write } from "./git-harness";
import { readRecords, runFiles, runStart, tempDir, tracked } from "./harness";

/** Reports what it read: the config file, and whether the untracked file is there; its folder too. */
const REPORT = `import json, os, sys
config = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.txt")).read()
extra = os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "extra.txt"))
print("EXPRAG::" + json.dumps({"config": config, "extra": extra, "folder": os.path.basename(os.getcwd()), "args": sys.argv[1:]}))
`;

const idOf = (file: string) => file.split("/").at(-1)!.slice(0, -".jsonl".length);
const short = (id: string) => id.replace(/-/g, "").slice(-8);

describe("exprag rerun", () => {
  test("a dirty run again: its exact files in a new worktree, its folder, the runs linked, the user's checkout untouched", async () => {
    const repo = makeRepo({ "report.py": REPORT, "config.txt": "committed\n", "sub/README.md": "a folder\n" });
    write(repo, "config.txt", "changed, not committed\n");
    write(repo, "extra.txt", "untracked\n");
    const first = await runIn(join(repo, "sub"), ["run", "--name", "probe", "--meta", "note=first", "--", "python3", "../report.py", "--lr", "0.1"]);
    expect(first.exitCode).toBe(0);
    const store = join(repo, ".exprag");
    const original = idOf(runFiles(store)[0]!);
    const originalStart = runStart(readRecords(runFiles(store)[0]!));
    // The work tree moves on: the run's changes are gone from it.
    git(repo, "checkout", "config.txt");
    rmSync(join(repo, "extra.txt"));
    const before = fingerprint(repo);

    const again = await runIn(repo, ["rerun", short(original)]);
    expect(again.exitCode).toBe(0);
    expect(fingerprint(repo)).toEqual(before);
    const files = runFiles(store);
    expect(files).toHaveLength(2);
    const rerun = idOf(files.find((file) => idOf(file) !== original)!);
    const records = readRecords(join(store, "runs", `${rerun}.jsonl`));
    const start = runStart(records);
    expect(start.rerun_of).toBe(original);
    expect(records[0]!.experiment_name).toBe("probe");
    expect(start.metadata).toEqual({ note: "first" });
    expect(start.process.argv).toEqual(["python3", "../report.py", "--lr", "0.1"]);
    const worktree = join(store, "worktrees", rerun);
    expect(start.process.cwd).toBe(join(worktree, "sub"));
    expect(start.git.commit).toBe(originalStart.git.commit);
    expect(start.git.snapshot_ref).toBe(`refs/heads/run/${rerun}`);
    expect(workTreeFiles(worktree)).toEqual(commitFiles(repo, originalStart.git.commit));
    expect(tracked(records)).toEqual([{ config: "changed, not committed\n", extra: true, folder: "sub", args: ["--lr", "0.1"] }]);
    expect(again.stderr).toContain(`does it reproduce? exprag compare ${short(original)} ${short(rerun)}`);

    const compared = JSON.parse((await runIn(repo, ["compare", short(original), "latest", "--json"])).text);
    expect(compared.runs.map((r: { run_id: string }) => r.run_id)).toEqual([original, rerun]);

    // Deleting the original loses nothing of the rerun's code; gc removes the worktree once its run is gone.
    expect((await runIn(repo, ["rm", short(original), "--yes"])).exitCode).toBe(0);
    expect(git(repo, "cat-file", "-t", start.git.commit).trim()).toBe("commit");
    const kept = await runIn(repo, ["gc"]);
    expect(kept.text).toBe("");
    expect(existsSync(worktree)).toBe(true);
    expect((await runIn(repo, ["rm", short(rerun), "--yes"])).exitCode).toBe(0);
    const preview = await runIn(repo, ["gc", "--dry-run", "--json"]);
    expect(JSON.parse(preview.text)).toMatchObject({ dry_run: true, worktrees_removed: [worktree], worktrees_kept: [] });
    const collected = await runIn(repo, ["gc"]);
    expect(collected.text).toBe(`${worktree}\n`);
    expect(existsSync(worktree)).toBe(false);
    expect(git(repo, "worktree", "list", "--porcelain")).not.toContain(worktree);
  }, 60_000);

  test("--set rewrites the parameter in the form it came in: --lr 0.03 and lr=0.03 alike", async () => {
    const repo = makeRepo({ "report.py": REPORT, "config.txt": "c\n" });
    await runIn(repo, ["run", "--", "python3", "report.py", "--lr", "0.03", "bs=32", "--batch-size=16"]);
    const store = join(repo, ".exprag");
    const original = idOf(runFiles(store)[0]!);
    const again = await runIn(repo, ["rerun", "latest", "--set", "lr=0.01", "--set", "bs=64", "--set", "batch_size=8", "--worktree", join(tempDir(), "w")]);
    expect(again.exitCode).toBe(0);
    const rerun = runFiles(store).find((file) => idOf(file) !== original)!;
    const start = runStart(readRecords(rerun));
    expect(start.process.argv).toEqual(["python3", "report.py", "--lr", "0.01", "bs=64", "--batch-size=8"]);
    expect(start.params).toEqual({ lr: 0.01, bs: 64, batch_size: 8 });
    expect(start.rerun_of).toBe(original);

    const missing = await runIn(repo, ["rerun", short(original), "--set", "momentum=0.9"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("--set momentum=0.9: the command gives no value for momentum");
    expect(runFiles(store)).toHaveLength(2);
  }, 60_000);

  test("the worktree links in the ignored data and skipped files a script reads, and a sweep's point stays in params", async () => {
    const reads = "import sys\nprint(sys.argv[1], open('data/train.csv').read().strip(), open('.env').read().strip())\n";
    const repo = makeRepo({ "reads.py": reads, ".gitignore": "data/\n" });
    write(repo, "data/train.csv", "rows");
    write(repo, ".env", "TOKEN=1");
    const swept = await runIn(repo, ["sweep", "--grid", "x=7", "--", "python3", "reads.py", "{x}"]);
    expect(swept.exitCode).toBe(0);
    const worktree = join(tempDir(), "w");
    const again = await runIn(repo, ["rerun", "latest", "--worktree", worktree]);
    expect([again.exitCode, again.text]).toEqual([0, "7 rows TOKEN=1\n"]);
    const store = join(repo, ".exprag");
    const rerun = runStart(readRecords(runFiles(store).at(-1)!));
    expect(rerun.params).toEqual({ x: 7 });
    // The kept worktree holds the code, not links into the user's files.
    expect(existsSync(join(worktree, "reads.py"))).toBe(true);
    expect([existsSync(join(worktree, "data")), existsSync(join(worktree, ".env"))]).toEqual([false, false]);
    expect(readFileSync(join(repo, "data", "train.csv"), "utf8")).toBe("rows");
  }, 60_000);

  test("a run recorded without the top of its work tree (an older exprag) is placed by the worktree holding its folder", async () => {
    const repo = makeRepo({ "report.py": REPORT, "config.txt": "c\n", "deep/er/README.md": "x\n" });
    await runIn(join(repo, "deep", "er"), ["run", "--", "python3", "../../report.py"]);
    const store = join(repo, ".exprag");
    const file = runFiles(store)[0]!;
    const lines = readFileSync(file, "utf8").split("\n");
    const first = JSON.parse(lines[0]!);
    delete first.value.git.top;
    writeFileSync(file, [JSON.stringify(first), ...lines.slice(1)].join("\n"));
    const again = await runIn(repo, ["rerun", "latest"]);
    expect(again.exitCode).toBe(0);
    const rerun = runFiles(store).find((other) => other !== file)!;
    expect(runStart(readRecords(rerun)).process.cwd).toBe(join(store, "worktrees", idOf(rerun), "deep", "er"));
    expect(tracked(readRecords(rerun))[0].folder).toBe("er");
  }, 60_000);

  test("--here runs in this work tree when it holds the run's code, and refuses, saying why, when it does not", async () => {
    const repo = makeRepo({ "report.py": REPORT, "config.txt": "committed\n" });
    write(repo, "config.txt", "dirty\n");
    await runIn(repo, ["run", "--", "python3", "report.py"]);
    const store = join(repo, ".exprag");
    const original = idOf(runFiles(store)[0]!);

    const same = await runIn(repo, ["rerun", short(original), "--here"]);
    expect(same.exitCode).toBe(0);
    const rerun = runFiles(store).find((file) => idOf(file) !== original)!;
    expect(runStart(readRecords(rerun)).process.cwd).toBe(repo);
    expect(runStart(readRecords(rerun)).rerun_of).toBe(original);
    expect(existsSync(join(store, "worktrees"))).toBe(false);

    write(repo, "config.txt", "edited since\n");
    write(repo, "new.txt", "new\n");
    const refused = await runIn(repo, ["rerun", short(original), "--here"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`the work tree does not hold the code of run ${short(original)}: config.txt differs, new.txt is new`);
    expect(runFiles(store)).toHaveLength(2);
  }, 60_000);
});
