/**
 * Answers an agent can take at its word: each test asks a question as an agent would, runs the
 * command it would run, and checks the exact answer: nothing hidden, nothing silently empty,
 * nothing mislabelled.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeRepo, runIn, write } from "./git-harness";
import { cleanEnv, EXPRAG, exprag, runFiles, tempDir, waitFor, works } from "./harness";
import { atTerminal, hasPty } from "./terminal";

/** A training script that reports its lr as accuracy and a Hydra-style slash key. */
const TRAIN = [
  "import json, sys",
  "args = dict(a.split('=', 1) for a in sys.argv[1:] if '=' in a)",
  "lr = float(args.get('lr', '0.1'))",
  "for step in range(3):",
  "    print('EXPRAG::' + json.dumps({'step': step, 'metrics': {'acc': lr * (step + 1)}, 'eval/bleu': 10 * lr}))",
  "",
].join("\n");

/** A repository with a run per lr, oldest first; returns it and the runs' short ids in that order. */
async function history(lrs: number[], name = "train"): Promise<{ repo: string; ids: string[] }> {
  const repo = makeRepo({ "train.py": TRAIN, ".gitignore": ".exprag/\n" });
  const ids: string[] = [];
  for (const lr of lrs) {
    const result = await runIn(repo, ["run", "-q", "--name", name, "--", "python3", "train.py", `lr=${lr}`]);
    expect(result.exitCode).toBe(0);
    ids.push(JSON.parse((await runIn(repo, ["ls", "--json", "--limit", "1"])).text)[0].short_id);
  }
  return { repo, ids };
}

const hasPython = Bun.which("python3") !== null;
setDefaultTimeout(60_000);

describe("3. a typo is an error naming what was meant, not an empty answer", () => {
  test.skipIf(!hasPython)("which runs had lr < 0.15, asked with a typo: exit 2 and did you mean", async () => {
    const { repo } = await history([0.1, 0.2]);
    const typo = await runIn(repo, ["ls", "--where", "parms.lr < 0.15"]);
    expect(typo.exitCode).toBe(2);
    expect(typo.text).toBe("");
    expect(typo.stderr).toBe("exprag: error: --where: none of the 2 selected runs has parms.lr; did you mean params.lr?\n");
    const best = await runIn(repo, ["best", "metrics.accuracy", "--max"]);
    expect([best.exitCode, best.stderr]).toEqual([2, "exprag: error: none of the 2 selected runs has metrics.accuracy; did you mean metrics.acc?\n"]);
    const values = await runIn(repo, ["values", "eval/blue"]);
    expect([values.exitCode, values.stderr]).toEqual([2, "exprag: error: the selected run has no eval/blue; did you mean eval/bleu?\n"]);
    const column = await runIn(repo, ["ls", "--columns", "id,params.lrr"]);
    expect([column.exitCode, column.stderr]).toEqual([2, "exprag: error: --columns: none of the 2 selected runs has params.lrr; did you mean params.lr?\n"]);
  });

  test.skipIf(!hasPython)("a path only some runs have is an answer: the runs without it are named apart", async () => {
    const { repo, ids } = await history([0.1]);
    write(repo, "other.py", 'print(\'EXPRAG::{"metrics": {"loss": 1}}\')\n');
    await runIn(repo, ["run", "-q", "--", "python3", "other.py"]);
    const other = JSON.parse((await runIn(repo, ["ls", "--json", "--limit", "1"])).text)[0].short_id;
    const best = await runIn(repo, ["best", "metrics.acc", "--max", "--json"]);
    expect(best.exitCode).toBe(0);
    expect(JSON.parse(best.text).map((r: { short_id: string }) => r.short_id)).toEqual([ids[0]]);
    expect(best.stderr).toContain(`1 run never reported metrics.acc: ${other}`);
    const where = await runIn(repo, ["ls", "--where", "metrics.loss = 1", "--json"]);
    expect(JSON.parse(where.text).map((r: { short_id: string }) => r.short_id)).toEqual([other]);
  });

  test.skipIf(!hasPython)("a slash key works in --where and --columns as written, no backticks", async () => {
    const { repo, ids } = await history([0.1, 0.2]);
    const result = await runIn(repo, ["ls", "--where", "eval/bleu > 1.5", "--columns", "id,eval/bleu"]);
    expect([result.exitCode, result.text]).toEqual([0, `id\teval/bleu\n${ids[1]}\t2\n`]);
  });

  test.skipIf(!hasPython)("run fields are never a typo: no failed run is an empty answer", async () => {
    const { repo } = await history([0.1]);
    const result = await runIn(repo, ["ls", "--where", 'error ~ "*OOM*"', "--json"]);
    expect([result.exitCode, result.text]).toEqual([0, "[]\n"]);
  });
});

describe("1. compare shows what was changed", () => {
  test.skipIf(!hasPython)("what differs between a run and its rerun with --set lr=0.5: the param, the command word, nothing else", async () => {
    const { repo, ids } = await history([0.1]);
    const rerun = await runIn(repo, ["rerun", ids[0]!, "--set", "lr=0.5"]);
    expect(rerun.exitCode).toBe(0);
    const answer = JSON.parse((await runIn(repo, ["compare", "latest~1", "latest", "--json"])).text);
    expect(answer.params).toEqual({ lr: [0.1, 0.5] });
    expect(answer.command_words).toEqual([["lr=0.1"], ["lr=0.5"]]);
    expect(answer.code_changes).toEqual([]);
    const text = (await runIn(repo, ["compare", "latest~1", "latest"])).text;
    expect(text).toContain("param lr\t0.1\t0.5\n");
    expect(text).toContain("command\tlr=0.1\tlr=0.5\n");
  });

  test.skipIf(!hasPython)("how big the code change between two runs is: files, lines added and deleted", async () => {
    const { repo, ids } = await history([0.1]);
    write(repo, "train.py", `${TRAIN}# smoothing\n# more\n`);
    write(repo, "model.py", "x = 1\n");
    await runIn(repo, ["run", "-q", "--name", "train", "--", "python3", "train.py", "lr=0.1", "--smoothing", "0.1"]);
    const answer = JSON.parse((await runIn(repo, ["compare", "latest~1", "latest", "--json"])).text);
    const latest = answer.runs[1].short_id;
    expect(answer.code_changes).toEqual([
      { run_id: answer.runs[1].run_id, short_id: latest, size: { files: 2, added: 3, deleted: 0, binary: 0 }, diff: `exprag diff ${ids[0]} ${latest}` },
    ]);
    expect(answer.params).toEqual({ smoothing: [null, 0.1] });
    expect(answer.command_words).toEqual([[], ["--smoothing", "0.1"]]);
    expect((await runIn(repo, ["compare", "latest~1", "latest"])).text).toContain(`code changes\t\t2 files +3 -0\n`);
  });
});

describe("2. the coding agent's own files are not the experiment's code", () => {
  test("is my checkout the same code as the run, after the agent wrote its skill: yes", async () => {
    const repo = makeRepo({ "train.py": "print('hi')\n", ".gitignore": ".exprag/\n" });
    await runIn(repo, ["skill", "--write", ".claude/skills/exprag/SKILL.md"]);
    write(repo, ".codex/notes.md", "an agent's notes\n");
    expect((await runIn(repo, ["run", "-q", "--", "true"])).exitCode).toBe(0);
    const [run] = JSON.parse((await runIn(repo, ["ls", "--json"])).text);
    expect([run.dirty, git(repo, "branch", "--list", "run/*")]).toEqual([false, ""]);
    expect((await runIn(repo, ["diff", "latest", "--quiet"])).exitCode).toBe(0);
    write(repo, ".claude/settings.json", "{}\n");
    expect((await runIn(repo, ["diff", "latest", "--quiet"])).exitCode).toBe(0);
    expect(JSON.parse((await runIn(repo, ["diff", "latest", "--json"])).text).files).toEqual([]);
  });

  test("a dirty run's snapshot holds the code, not the agent's folders", async () => {
    const repo = makeRepo({ "train.py": "print('hi')\n", ".gitignore": ".exprag/\n" });
    write(repo, ".claude/skills/exprag/SKILL.md", "skill\n");
    write(repo, "train.py", "print('changed')\n");
    await runIn(repo, ["run", "-q", "--", "true"]);
    const [run] = JSON.parse((await runIn(repo, ["ls", "--json"])).text);
    expect(run.dirty).toBe(true);
    expect(git(repo, "ls-tree", "-r", "--name-only", `run/${run.run_id}`)).toBe(".gitignore\ntrain.py\n");
  });

  test("not-code = [] in the project config turns it off: the agent's folder is code again", async () => {
    const repo = makeRepo({ "train.py": "print('hi')\n", ".gitignore": ".exprag/\n", ".exprag.toml": "not-code = []\n" });
    write(repo, ".claude/settings.json", "{}\n");
    await runIn(repo, ["run", "-q", "--", "true"]);
    const [run] = JSON.parse((await runIn(repo, ["ls", "--json"])).text);
    expect(run.dirty).toBe(true);
    expect(git(repo, "ls-tree", "-r", "--name-only", `run/${run.run_id}`)).toContain(".claude/settings.json");
  });

  test("not-code names other folders in the project config", async () => {
    const repo = makeRepo({ "train.py": "print('hi')\n", ".gitignore": ".exprag/\n", ".exprag.toml": 'not-code = ["scratch/"]\n' });
    write(repo, "scratch/idea.txt", "try wd\n");
    await runIn(repo, ["run", "-q", "--", "true"]);
    expect(JSON.parse((await runIn(repo, ["ls", "--json"])).text)[0].dirty).toBe(false);
    expect((await runIn(repo, ["diff", "latest", "--quiet"])).exitCode).toBe(0);
  });
});

describe("4. --name selects that name, or a glob", () => {
  test("which runs are the sweep: not lr-sweep; lr-* and [...] are globs", async () => {
    const repo = makeRepo({ ".gitignore": ".exprag/\n" });
    for (const name of ["sweep", "lr-sweep", "lr-sweep2"]) await runIn(repo, ["run", "-q", "--name", name, "--", "true"]);
    const names = async (...args: string[]) =>
      JSON.parse((await runIn(repo, ["ls", "--json", ...args])).text).map((r: { experiment_name: string }) => r.experiment_name);
    expect(await names("--name", "sweep")).toEqual(["sweep"]);
    expect(await names("--name", "lr-*")).toEqual(["lr-sweep2", "lr-sweep"]);
    expect(await names("--name", "lr-sweep?")).toEqual(["lr-sweep2"]);
    expect(await names("--name", "[ls]*p")).toEqual(["lr-sweep", "sweep"]);
  });
});

describe("10. a live run counts the records written so far", () => {
  test("how far is the running job: ls says its records so far", async () => {
    const cwd = tempDir();
    const script = `echo 'EXPRAG::{"loss": 1}'; echo 'EXPRAG::{"$meta": {"seed": 1}}'; while [ ! -e go ]; do sleep 0.05; done`;
    const run = Bun.spawn([EXPRAG, "run", "-q", "--", "sh", "-c", script], { cwd, env: cleanEnv(), stdout: "ignore", stderr: "ignore" });
    const store = join(cwd, ".exprag");
    await waitFor(() => runFiles(store).length === 1 && readFileSync(runFiles(store)[0]!, "utf8").split("\n").length === 4, "two records written");
    const [live] = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    expect([live.status, live.records, live.counts]).toEqual(["running", 2, { track: 1, meta: 1, note: 0, parse_error: 0 }]);
    writeFileSync(join(cwd, "go"), "");
    expect(await run.exited).toBe(0);
    const [ended] = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    expect([ended.status, ended.records]).toEqual(["ok", 2]);
  });
});

describe("9. best says what its numbers are, and how it ranked", () => {
  test.skipIf(!hasPython)("how many points was each value taken from: points_used, 1 for the last value, the series for max", async () => {
    const { repo } = await history([0.1]);
    const [last] = JSON.parse((await runIn(repo, ["best", "metrics.acc", "--max", "--json"])).text);
    const [max] = JSON.parse((await runIn(repo, ["best", "metrics.acc", "--max", "--agg", "max", "--json"])).text);
    expect([last.points_used, max.points_used, "count" in last]).toEqual([1, 3, false]);
  });

  test.skipIf(!hasPython)("why is that run not in the ranking: --explain gives the rule and the runs left out or to doubt", async () => {
    const { repo, ids } = await history([0.1, 0.2]);
    write(repo, "other.py", "import sys\nprint('EXPRAG::{\"loss\": 1}')\nsys.exit(3)\n");
    await runIn(repo, ["run", "-q", "--", "python3", "other.py"]);
    const other = JSON.parse((await runIn(repo, ["ls", "--json", "--limit", "1"])).text)[0];
    write(repo, "nan.py", 'print(\'EXPRAG::{"metrics": {"acc": "NaN"}}\')\n');
    await runIn(repo, ["run", "-q", "--", "python3", "nan.py"]);
    const nan = JSON.parse((await runIn(repo, ["ls", "--json", "--limit", "1"])).text)[0];
    const explained = JSON.parse((await runIn(repo, ["best", "metrics.acc", "--explain", "--json"])).text);
    expect(explained).toEqual({
      rule: { path: "metrics.acc", agg: "last", direction: "max", direction_from: "path name" },
      ranked: 3,
      left_out: [{ run_id: other.run_id, short_id: other.short_id, reason: "no such value" }],
      // A NaN is a divergence, whether the script wrote NaN or the string it is stored as.
      caveats: [{ run_id: nan.run_id, short_id: nan.short_id, rank: 3, reasons: ["NaN", "diverged"] }],
    });
    const text = await runIn(repo, ["best", "metrics.acc", "--max", "--explain"]);
    expect(text.text).toBe(
      `rule\tlast(metrics.acc) of each run, highest first (--max)\nranked\t3 runs\nleft out\t${other.short_id}: no such value\nrank 3\t${nan.short_id}: NaN, diverged\n`,
    );
    expect(ids).toHaveLength(2);
  });

  test.skipIf(!hasPython)("each run's final value with the line to cite: values --last", async () => {
    const { repo, ids } = await history([0.1, 0.2]);
    const points = JSON.parse((await runIn(repo, ["values", "metrics.acc", "--name", "train", "--last", "--json"])).text);
    expect(points.map((p: { short_id: string; step: number; value: number }) => [p.short_id, p.step, p.value])).toEqual([
      [ids[0], 2, 0.30000000000000004],
      [ids[1], 2, 0.6000000000000001],
    ]);
    expect(points.every((p: { source: string }) => /\.exprag\/runs\/[0-9a-f-]+\.jsonl:4$/.test(p.source))).toBe(true);
  });
});

describe("11. -q, -v and -V mean the same everywhere", () => {
  test("exprag -v ls lists runs (verbose), -V is the version, -q quiets any command", async () => {
    const cwd = tempDir();
    for (let i = 0; i < 3; i++) await exprag(["run", "-q", "--", "true"], { cwd });
    const verbose = await exprag(["-v", "ls", "--limit", "1", "--json"], { cwd });
    expect([verbose.exitCode, JSON.parse(verbose.text).length]).toEqual([0, 1]);
    expect(verbose.stderr).toBe("exprag: showing 1 of 3 runs; use --all or --limit N for more\n");
    const version = await exprag(["-V"], { cwd });
    expect(version.text).toMatch(/^\d+\.\d+\.\d+/);
    for (const args of [
      ["ls", "-q", "--limit", "1"],
      ["-q", "ls", "--limit", "1"],
      ["ls", "--quiet", "--limit", "1"],
    ]) {
      const quiet = await exprag(args, { cwd });
      expect([quiet.exitCode, quiet.stderr]).toEqual([0, ""]);
    }
    const help = (await exprag(["values", "--help"], { cwd })).text;
    expect(help).toContain("-q, --quiet");
    expect(help).toContain("-v, --verbose");
    const run = await exprag(["run", "-v", "--", "true"], { cwd });
    expect(run.exitCode).toBe(0);
  });
});

describe("8. restored code sees the runs", () => {
  test("inside a worktree made by checkout --worktree, ls shows the project's runs and runs land there too", async () => {
    const repo = makeRepo({ "train.py": "print('hi')\n", ".gitignore": ".exprag/\n" });
    await runIn(repo, ["run", "-q", "--", "true"]);
    const [first] = JSON.parse((await runIn(repo, ["ls", "--json"])).text);
    const worktree = join(tempDir(), "restored");
    expect((await runIn(repo, ["checkout", first.short_id, "--worktree", worktree])).exitCode).toBe(0);
    const seen = JSON.parse((await runIn(worktree, ["ls", "--json"])).text);
    expect(seen.map((r: { run_id: string }) => r.run_id)).toEqual([first.run_id]);
    await runIn(worktree, ["run", "-q", "--", "true"]);
    expect(JSON.parse((await runIn(repo, ["ls", "--json"])).text)).toHaveLength(2);
  });

  test("a linked worktree with a store of its own keeps using it", async () => {
    const repo = makeRepo({ "train.py": "print('hi')\n", ".gitignore": ".exprag/\n" });
    await runIn(repo, ["run", "-q", "--", "true"]);
    const worktree = join(tempDir(), "own");
    git(repo, "worktree", "add", "-q", worktree);
    await runIn(worktree, ["run", "-q", "--dir", join(worktree, ".exprag"), "--", "true"]);
    expect(JSON.parse((await runIn(worktree, ["ls", "--json"])).text)).toHaveLength(1);
    expect(JSON.parse((await runIn(repo, ["ls", "--json"])).text)).toHaveLength(1);
  });
});

describe("12. runs/ holds runs only", () => {
  test("how many runs are there, counted by .exprag/runs/*.jsonl after tagging and noting: one", async () => {
    const cwd = tempDir();
    await exprag(["run", "-q", "--", "true"], { cwd });
    await exprag(["tag", "latest", "best"], { cwd });
    await exprag(["note", "latest", "lr 0.1 wins"], { cwd });
    const runs = readdirSync(join(cwd, ".exprag", "runs")).filter((name) => name.endsWith(".jsonl"));
    expect(runs).toHaveLength(1);
    expect(readdirSync(join(cwd, ".exprag", "annotations"))).toEqual(runs);
    expect(readFileSync(join(cwd, ".exprag", "runs", runs[0]!), "utf8").split("\n")[0]).toContain('"kind":"run_start"');
  });

  test("a store written the old way is read as it is, and moved on the next write", async () => {
    const cwd = tempDir();
    await exprag(["run", "-q", "--", "true"], { cwd });
    const [run] = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    const legacy = join(cwd, ".exprag", "runs", `${run.run_id}.annotations.jsonl`);
    const event = (kind: string, value: unknown) =>
      `${JSON.stringify({ schema_version: 1, exprag_version: "0.1.0", run_id: run.run_id, kind, value, created_at: "2026-01-01T00:00:00.000Z", author: { kind: "user", name: "ann" } })}\n`;
    writeFileSync(legacy, event("tag", { tags: ["old"] }) + event("note", { text: "kept the old way" }));
    const before = JSON.parse((await exprag(["show", "latest", "--json"], { cwd })).text);
    expect([before.tags, before.notes.map((n: { note: string }) => n.note)]).toEqual([["old"], ["kept the old way"]]);
    await exprag(["tag", "latest", "new"], { cwd });
    expect(existsSync(legacy)).toBe(false);
    const after = JSON.parse((await exprag(["show", "latest", "--json"], { cwd })).text);
    expect([after.tags, after.notes.map((n: { note: string }) => n.note)]).toEqual([["old", "new"], ["kept the old way"]]);
  });
});

describe("7. conclusions can be found later", () => {
  test("which runs ran out of memory, by their notes: ls shows and selects them, show gives each in full", async () => {
    const cwd = tempDir();
    await exprag(["run", "-q", "--", "sh", "-c", `echo 'EXPRAG::{"$note": "warmup done"}'`], { cwd });
    await exprag(["run", "-q", "--", "true"], { cwd });
    await exprag(["run", "-q", "--", "true"], { cwd });
    const [newest, middle, oldest] = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    await exprag(["note", middle.short_id, "OOM at batch 64"], { cwd });
    await exprag(["tag", middle.short_id, "oom"], { cwd });
    const listed = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    expect(listed.map((r: { notes: string[] }) => r.notes)).toEqual([[], ["OOM at batch 64"], []]);
    const table = (await exprag(["ls", "--columns", "id,tags,notes"], { cwd })).text;
    expect(table).toBe(`id\ttags\tnotes\n${newest.short_id}\t\t\n${middle.short_id}\toom\tOOM at batch 64\n${oldest.short_id}\t\t\n`);
    // The script's own notes are the run's record, in show; notes are the conclusions given later.
    expect(JSON.parse((await exprag(["show", oldest.short_id, "--json"], { cwd })).text).notes.map((n: { note: string }) => n.note)).toEqual(["warmup done"]);
    const oom = JSON.parse((await exprag(["ls", "--where", 'notes ~ "*OOM*"', "--json"], { cwd })).text);
    expect(oom.map((r: { run_id: string }) => r.run_id)).toEqual([middle.run_id]);
    const shown = JSON.parse((await exprag(["show", "--where", 'notes ~ "*OOM*"', "--json"], { cwd })).text);
    expect(shown.map((r: { run_id: string; notes: { note: string }[] }) => [r.run_id, r.notes.map((n) => n.note)])).toEqual([
      [middle.run_id, ["OOM at batch 64"]],
    ]);
    const one = JSON.parse((await exprag(["show", middle.short_id, "--json"], { cwd })).text);
    expect(one.run_id).toBe(middle.run_id);
    const both = JSON.parse((await exprag(["show", middle.short_id, oldest.short_id, "--json"], { cwd })).text);
    expect(both.map((r: { run_id: string }) => r.run_id)).toEqual([middle.run_id, oldest.run_id]);
    expect((await exprag(["show"], { cwd })).exitCode).toBe(2);
  });
});

describe("13. the README's recipes work as written", () => {
  const hasBash = Bun.which("bash") !== null;

  test.skipIf(!hasBash)("bash completion on a Debian login shell after install.sh into ~/.local/bin", async () => {
    const home = tempDir();
    mkdirSync(join(home, ".local", "bin"), { recursive: true });
    copyFileSync(EXPRAG, join(home, ".local", "bin", "exprag"));
    chmodSync(join(home, ".local", "bin", "exprag"), 0o755);
    // Debian's ~/.profile: it reads ~/.bashrc first, then puts ~/.local/bin on PATH.
    writeFileSync(
      join(home, ".profile"),
      'if [ -n "$BASH_VERSION" ]; then\n  if [ -f "$HOME/.bashrc" ]; then\n    . "$HOME/.bashrc"\n  fi\nfi\nif [ -d "$HOME/.local/bin" ] ; then\n    PATH="$HOME/.local/bin:$PATH"\nfi\n',
    );
    const readme = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");
    const recipe = /^(source <\("\$HOME\/\.local\/bin\/exprag" completion bash\))/m.exec(readme)?.[1];
    expect(recipe).toBe('source <("$HOME/.local/bin/exprag" completion bash)');
    writeFileSync(join(home, ".bashrc"), `case $- in *i*) ;; *) return;; esac\n${recipe}\n`);
    const env = cleanEnv({ HOME: home, PATH: "/usr/bin:/bin" });
    const proc = Bun.spawn(["bash", "-l", "-i", "-c", "complete -p exprag; command -v exprag"], {
      cwd: home,
      env,
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(out).toBe(`complete -F _exprag_complete exprag\n${join(home, ".local", "bin", "exprag")}\n`);
    expect(err).not.toContain("exprag");
  });

  test("the tour records lr once: from the command line, as params.lr", () => {
    const readme = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");
    const tour = readme.slice(readme.indexOf("## A 30-second tour"), readme.indexOf("## Reporting from a script"));
    expect(tour).not.toContain("--meta");
    expect(tour).toContain("exprag run --name baseline -- python train.py --lr 0.1");
  });
});

describe("5. a terminal table says what it leaves out", () => {
  /** Three runs of a Hydra-style script with seven params, a slash metric and four more. */
  async function hydraRuns(): Promise<string> {
    const cwd = tempDir();
    const emit = `echo 'EXPRAG::{"eval/bleu": 3, "metrics": {"acc": 0.5, "loss": 0.2, "f1": 0.3, "precision": 0.9}}'`;
    for (const lr of ["0.1", "0.2", "0.3"]) {
      const params = [`model.lr=${lr}`, `model.wd=${lr}e-4`, "data.batch_size=32", `trainer.max_epochs=${lr}`, `seed=${lr}`, `model.dropout=${lr}`];
      await exprag(["run", "-q", "--name", "hydra-sweep", "--", "sh", "-c", emit, ...params], { cwd });
    }
    return cwd;
  }

  test.skipIf(!hasPty)("which settings set the runs apart, at 60, 80 and 120 columns: rows fit, ids whole, and a line names the rest", async () => {
    const cwd = await hydraRuns();
    const ids = JSON.parse((await exprag(["ls", "--json"], { cwd })).text).map((r: { short_id: string }) => r.short_id);
    for (const columns of [60, 80, 120]) {
      const { output } = await atTerminal([EXPRAG, "ls"], { cwd, columns, env: { NO_COLOR: "1" } });
      const lines = output.trimEnd().split("\n");
      const [note, ...table] = lines;
      expect(note).toStartWith(`exprag: ${columns} columns: left out `);
      expect(note).toEndWith("; --columns picks, --json shows all");
      for (const line of table) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(columns);
      expect(table.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(ids);
      // Every differing param is either a column or named as left out.
      for (const param of ["lr", "wd", "max_epochs", "seed", "dropout"]) expect(table[0]!.split(/\s+/).includes(param) || note!.includes(param)).toBe(true);
    }
  });

  test.skipIf(!hasPty)("values never cuts the file:line it exists to give, nor show a metric's name", async () => {
    const cwd = await hydraRuns();
    const { output } = await atTerminal([EXPRAG, "values", "eval/bleu"], { cwd, columns: 80, env: { NO_COLOR: "1" } });
    const source = JSON.parse((await exprag(["values", "eval/bleu", "--json"], { cwd })).text)[0].source;
    expect(output).toContain(source);
    const shown = (await atTerminal([EXPRAG, "show", "latest"], { cwd, columns: 60, env: { NO_COLOR: "1" } })).output;
    expect(shown).toContain("metrics.precision");
  });

  test("through a pipe, TSV keeps every column whole", async () => {
    const cwd = await hydraRuns();
    const header = (await exprag(["ls"], { cwd, env: { COLUMNS: "60" } })).text.split("\n")[0]!.split("\t");
    expect(header.slice(9)).toEqual(["params.model.dropout", "params.model.lr", "params.model.wd", "params.seed", "params.trainer.max_epochs", "metrics"]);
  });
});

describe("6. the chart names each line by what sets it apart", () => {
  test.skipIf(!hasPython)("which line is which in a sweep's chart: labelled by the param that differs, not all by the script's name", async () => {
    const { repo, ids } = await history([0.1, 0.2, 0.3]);
    const series = JSON.parse((await runIn(repo, ["plot", "metrics.acc", "--name", "train", "--json"])).text);
    expect(series.map((s: { short_id: string; label: string }) => [s.short_id, s.label])).toEqual([
      [ids[0], "lr=0.1"],
      [ids[1], "lr=0.2"],
      [ids[2], "lr=0.3"],
    ]);
    const chart = (await runIn(repo, ["plot", "metrics.acc", "--name", "train"])).text;
    for (const lr of ["0.1", "0.2", "0.3"]) expect(chart).toContain(`lr=${lr}`);
    const svg = (await runIn(repo, ["plot", "metrics.acc", "--name", "train", "--svg", "-"])).text;
    expect(svg).toContain("lr=0.3");
  });
});

describe("6. the SVG chart reads as a picture", () => {
  const hasRsvg = works("rsvg-convert", "--version");
  test.skipIf(!hasRsvg || !hasPython)(
    "rendered by rsvg-convert (librsvg2-bin; skipped without it): an 800x450 PNG whose legend names each line by its lr",
    async () => {
      const { repo } = await history([0.1, 0.2, 0.3]);
      const svg = join(repo, "acc.svg");
      expect((await runIn(repo, ["plot", "metrics.acc", "--name", "train", "--svg", svg])).exitCode).toBe(0);
      const text = readFileSync(svg, "utf8");
      for (const label of ["lr=0.1", "lr=0.2", "lr=0.3", "metrics.acc", "step"]) expect(text).toContain(label);
      const png = join(repo, "acc.png");
      const rendered = Bun.spawnSync(["rsvg-convert", svg, "-o", png], { stderr: "pipe" });
      expect([rendered.exitCode, rendered.stderr.toString()]).toEqual([0, ""]);
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString()).toBe("PNG");
      expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([800, 450]);
    },
  );
});
