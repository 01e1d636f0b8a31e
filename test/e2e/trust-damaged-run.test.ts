/**
 * A file named like the newest run that holds no run (garbage, a FIFO, a folder): `latest` still
 * names it, as `latest~N` counts it. A command about that one run refuses it in one line and
 * records nothing; a command about many runs skips it with a warning, as `ls` does.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeRepo } from "./git-harness";
import { exprag, works, writeOkRun } from "./harness";

const GOOD = "01900000-0000-7000-8000-0000000000a1";
const NEWEST = "01ffffff-ffff-7fff-8fff-ffffffffffff";

const KINDS = {
  garbage: { make: (path: string) => writeFileSync(path, "garbage\n"), why: "no run_start record" },
  folder: { make: (path: string) => mkdirSync(path), why: "not a regular file" },
  ...(works("mkfifo", "--version") && {
    fifo: { make: (path: string) => Bun.spawnSync(["mkfifo", path]), why: "not a regular file" },
  }),
};

/** A work tree whose store holds GOOD and, newer, NEWEST as `kind` makes it. */
function storeWithDamagedLatest(make: (path: string) => void): { cwd: string; runs: string; bad: string } {
  const cwd = makeRepo({ "train.py": "print(1)\n" });
  const runs = join(cwd, ".exprag", "runs");
  mkdirSync(runs, { recursive: true });
  writeOkRun(runs, GOOD);
  const bad = join(runs, `${NEWEST}.jsonl`);
  make(bad);
  return { cwd, runs, bad };
}

const ABOUT_ONE_RUN = [
  ["show", "latest"],
  ["show", "latest", "--json"],
  ["tag", "latest", "x"],
  ["note", "latest", "a note"],
  ["keep", "latest"],
  ["discard", "latest", "--because", "worse"],
  ["outputs", "latest", "--json"],
  ["check-rules", "latest", "--stop-when", "metrics.acc > 1"],
  ["verdict", "latest", "latest~1", "--metric", "metrics.acc"],
  ["checkout", "latest", "--worktree", "wt"],
  ["cat", "latest", "train.py"],
  ["files", "latest"],
  ["diff", "latest", "latest~1"],
  ["rerun", "latest"],
  ["wait", "latest", "--timeout", "5"],
  ["compare", "latest", "latest~1"],
  ["run", "--from", "latest", "--", "true"],
];

const ABOUT_MANY_RUNS = [
  ["ls", "latest", "latest~1", "--json"],
  ["ls", "latest", "latest~1"],
  ["best", "metrics.acc", "--max", "latest", "latest~1", "--json"],
  ["paths", "latest", "latest~1", "--json"],
  ["plot", "metrics.acc", "latest", "latest~1", "--json"],
  ["tree", "latest", "latest~1", "--json"],
  ["brief", "latest", "latest~1", "--json"],
];

describe.each(Object.entries(KINDS))("the newest run file is a %s", (_kind, { make, why }) => {
  test("a command about that run refuses it in one line and records nothing", async () => {
    const { cwd, runs, bad } = storeWithDamagedLatest(make);
    const before = readFileSync(join(runs, `${GOOD}.jsonl`), "utf8");
    for (const args of ABOUT_ONE_RUN) {
      const result = await exprag(args, { cwd, timeoutMs: 30_000 });
      expect({ args, code: result.exitCode, stderr: result.stderr }).toEqual({
        args,
        code: 1,
        stderr: `exprag: error: ${bad} is not a readable run file (${why}); exprag ls lists the runs it can read\n`,
      });
    }
    expect(readdirSync(runs).sort()).toEqual([`${GOOD}.jsonl`, `${NEWEST}.jsonl`]);
    expect(readFileSync(join(runs, `${GOOD}.jsonl`), "utf8")).toBe(before);
    expect(existsSync(join(cwd, ".exprag", "annotations"))).toBe(false);
    expect(existsSync(join(cwd, "wt"))).toBe(false);
    // The run before it is latest~1 for every command.
    const show = await exprag(["show", "latest~1", "--json"], { cwd, timeoutMs: 30_000 });
    expect(JSON.parse(show.text).run_id).toBe(GOOD);
  });

  test("a command about many runs skips it with a warning, as ls does", async () => {
    const { cwd, bad } = storeWithDamagedLatest(make);
    const skipped = why === "no run_start record" ? `${bad}:1: no run_start record; not a run file, skipped` : `${bad}: cannot be read (${why}), skipped`;
    for (const args of ABOUT_MANY_RUNS) {
      const result = await exprag(args, { cwd, timeoutMs: 30_000 });
      expect({ args, code: result.exitCode }).toEqual({ args, code: 0 });
      expect(result.stderr).toContain(skipped);
      expect(result.stderr).not.toContain("exprag: error");
      if (args.includes("--json")) expect(result.text).not.toContain(NEWEST);
    }
    const listed = await exprag(["ls", "latest", "latest~1", "--json"], { cwd, timeoutMs: 30_000 });
    expect(JSON.parse(listed.text).map((run: { run_id: string }) => run.run_id)).toEqual([GOOD]);
  });

  test("log says the run file is damaged, not that the run kept no log", async () => {
    const { cwd, bad } = storeWithDamagedLatest(make);
    const result = await exprag(["log", "latest"], { cwd, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`exprag: error: run ffffffff has no output log, and ${bad} is not a readable run file (${why})\n`);
  });
});
