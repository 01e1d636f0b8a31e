/**
 * Answers an agent can take at its word: each test asks a question as an agent would, runs the
 * command it would run, and checks the exact answer: nothing hidden, nothing silently empty,
 * nothing mislabelled.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { git, makeRepo, runIn, write } from "./git-harness";

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
