/**
 * A run's git status, started as exprag starts and taken by its snapshot: seen from outside
 * through a `git` first on PATH that logs each call before it runs the real one.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeRepo, runIn, write } from "./git-harness";
import { readRecords, runFiles, runStart, tempDir } from "./harness";

const realGit = Bun.which("git")!;

/** A folder holding a `git` that logs its arguments to `log` and runs the real git. */
function loggingGit(): { bin: string; log: string; calls: () => string[] } {
  const bin = tempDir();
  const log = join(bin, "calls.log");
  // Each call with its pid: processes started one after another get rising pids, whichever of
  // them writes its line first on a busy machine.
  writeFileSync(join(bin, "git"), `#!/bin/sh\necho "$$ $*" >> "${log}"\nexec "${realGit}" "$@"\n`);
  chmodSync(join(bin, "git"), 0o755);
  writeFileSync(log, "");
  const calls = () =>
    readFileSync(log, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => ({ pid: Number(line.slice(0, line.indexOf(" "))), words: line.slice(line.indexOf(" ") + 1) }))
      .sort((a, b) => a.pid - b.pid)
      .map(({ words }) => words.replace("-c core.hooksPath=/dev/null ", "").split(" ")[0]!);
  return { bin, log, calls };
}

const copies = (repo: string) => readdirSync(join(repo, ".git")).filter((name) => name.startsWith("exprag-"));

describe("a run's early status", () => {
  test("status starts before git is asked where the repository is; the snapshot is the work tree's", async () => {
    const repo = makeRepo({ "train.py": "lr = 0.1\n" });
    write(repo, "train.py", "lr = 0.03\n");
    write(repo, "notes.txt", "new\n");
    const logged = loggingGit();
    // The store made first: a status that sees a new store's .gitignore half written is read again.
    expect((await runIn(repo, ["run", "--", "true"])).exitCode).toBe(0);
    const firstRun = runFiles(join(repo, ".exprag"))[0]!;
    const result = await runIn(repo, ["run", "--", "true"], { PATH: `${logged.bin}:${process.env.PATH}` });
    expect(result.exitCode).toBe(0);
    expect(logged.calls().slice(0, 2)).toEqual(["status", "rev-parse"]);
    expect(logged.calls().filter((call) => call === "status")).toHaveLength(1);
    const state = runStart(readRecords(runFiles(join(repo, ".exprag")).find((file) => file !== firstRun)!)).git;
    expect(git(repo, "show", `${state.commit}:train.py`)).toBe("lr = 0.03\n");
    expect(git(repo, "show", `${state.commit}:notes.txt`)).toBe("new\n");
    expect(copies(repo)).toEqual([]);
  });

  test("a store in the work tree without its .gitignore (an older exprag's) is nowhere in the record", async () => {
    const repo = makeRepo({ "train.py": "lr = 0.1\n" });
    write(repo, ".exprag/runs/old.jsonl", "");
    write(repo, "train.py", "lr = 0.03\n");
    const logged = loggingGit();
    expect((await runIn(repo, ["run", "--", "true"], { PATH: `${logged.bin}:${process.env.PATH}` })).exitCode).toBe(0);
    const [file] = runFiles(join(repo, ".exprag")).filter((path) => !path.endsWith("old.jsonl"));
    const state = runStart(readRecords(file!)).git;
    expect(state.skipped).toEqual([]);
    expect(state.status.lines).toEqual([" M train.py"]);
    expect(git(repo, "ls-tree", "-r", "--name-only", state.commit).split("\n").filter(Boolean)).toEqual(["train.py"]);
    // Read once more where the early status saw the store before its .gitignore: a race this run may or may not meet.
    expect(logged.calls().filter((call) => call === "status").length).toBeOneOf([1, 2]);
  });

  test("--no-snapshot: only the status of the code is read", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "changed\n");
    const logged = loggingGit();
    expect((await runIn(repo, ["run", "--no-snapshot", "--", "true"], { PATH: `${logged.bin}:${process.env.PATH}` })).exitCode).toBe(0);
    expect(logged.calls().filter((call) => call === "status")).toHaveLength(1);
  });

  for (const [name, args, code] of [
    ["a command that cannot start", ["run", "--", "no-such-command-exprag-test"], 127],
    ["a usage error found after it started", ["run", "--time-limit", "soon", "--", "true"], 2],
    ["a store that is a symbolic link, refused before the snapshot", ["run", "--", "true"], 125],
  ] as const) {
    test(`${name}: no copy of the index is left behind`, async () => {
      const repo = makeRepo();
      write(repo, "train.py", "changed\n");
      if (code === 125) symlinkSync(tempDir(), join(repo, ".exprag"));
      const result = await runIn(repo, [...args]);
      expect(result.exitCode).toBe(code);
      expect(copies(repo)).toEqual([]);
    });
  }
});
