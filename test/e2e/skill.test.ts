import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, gitEnv, makeRepo, runIn, write } from "./git-harness";
import { EXPRAG, exprag, shell, tempDir } from "./harness";

const skill = readFileSync(join(import.meta.dir, "..", "..", "src", "skill", "SKILL.md"), "utf8");
const [, frontMatter = "", body = ""] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(skill) ?? [];

/** Every `exprag ...` line of the skill's shell blocks, comments removed. */
function commandLines(): string[] {
  const blocks = [...skill.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((block) => block.split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line.startsWith("exprag "));
}

describe("SKILL.md", () => {
  test("front matter in the Agent Skills format, marked as exprag's", () => {
    const fields = [...frontMatter.matchAll(/^([a-z-]+):/gm)].map((m) => m[1]);
    expect(fields).toEqual(["name", "description", "metadata"]);
    expect(frontMatter).toMatch(/^name: exprag$/m);
    const description = /^description: (.*)$/m.exec(frontMatter)![1]!;
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(description).toStartWith("Use when the user asks about past runs or experiments");
    expect(frontMatter).toContain("  generator: exprag");
  });

  test("a body under 150 lines, teaching how to start runs and emit records", () => {
    expect(body.split("\n").length).toBeLessThan(150);
    expect(body).toContain("exprag run --name");
    expect(body).toContain("EXPRAG::");
    expect(body).toContain("$note");
    expect(body).toContain("$meta");
    expect(body).toContain("EXPRAG_FD");
  });

  test("its example record is one of ours", () => {
    const record = JSON.parse(/```json\n(.*)\n```/.exec(body)![1]!);
    expect(Object.keys(record).sort()).toEqual(["created_at", "elapsed_ms", "experiment_name", "exprag_version", "kind", "run_id", "schema_version", "value"]);
  });

  test("has between 8 and 16 copyable query commands, and shows --where", () => {
    const queries = commandLines().filter((line) => !/^exprag (run|sweep|rerun|tag|note|keep|discard) /.test(line));
    expect(queries.length).toBeGreaterThanOrEqual(8);
    expect(queries.length).toBeLessThanOrEqual(16);
    expect(queries.filter((line) => line.includes("--where ")).length).toBeGreaterThanOrEqual(2);
  });
});

describe("every exprag command in SKILL.md runs", () => {
  let repo: string;
  // The skill's worktree goes beside the repository; here, to a fresh folder of this test's.
  const restored = join(tempDir(), "restored-run");
  // exprag, and python as the skill writes it.
  const bin = tempDir();
  symlinkSync(EXPRAG, join(bin, "exprag"));
  symlinkSync(Bun.which("python3", { PATH: process.env.PATH }) ?? "python3", join(bin, "python"));
  beforeAll(async () => {
    repo = makeRepo({
      "train.py":
        "import json, sys\nlr = float(sys.argv[sys.argv.index('--lr') + 1])\nfor step in range(3):\n    print('EXPRAG::' + json.dumps({'step': step, 'metrics': {'loss': lr / (step + 1), 'acc': 1 - lr / (step + 1)}, 'eval/bleu': 30 - 100 * lr}))\n",
    });
    await runIn(repo, ["run", "--name", "first", "--", "python3", "train.py", "--lr", "0.1"]);
    write(repo, "train.py", `${readFileSync(join(repo, "train.py"), "utf8")}print('changed')\n`);
    await runIn(repo, ["run", "--name", "second", "--", "python3", "train.py", "--lr", "0.05"]);
  }, 60_000);

  // Each line as it would be pasted into a shell, in the order the skill gives them.
  test.each(commandLines())(
    "%s",
    async (line) => {
      const result = await shell(line.replace("../restored-run", restored), { cwd: repo, env: { ...gitEnv, PATH: `${bin}:${process.env.PATH}` } });
      expect({ line, code: result.exitCode, stderr: result.exitCode ? result.stderr : "" }).toEqual({ line, code: 0, stderr: "" });
      if (line.includes("--json")) expect(() => JSON.parse(result.text)).not.toThrow();
    },
    60_000,
  );

  test("the commands were not vacuous: the worktree holds the run's code, the sweep and the rerun made runs", async () => {
    expect(git(restored, "log", "-1", "--format=%s")).toContain("exprag snapshot");
    const runs = JSON.parse((await runIn(repo, ["ls", "--json"])).text) as { params: { lr?: number }; tags: string[]; status: string }[];
    expect(runs.map((run) => [run.params.lr, run.status])).toEqual([
      [0.02, "ok"],
      [0.01, "ok"],
      [0.1, "ok"],
      [0.03, "ok"],
      [0.05, "ok"],
      [0.1, "ok"],
    ]);
    expect(runs[0]!.tags).toEqual(["best"]);
    expect(runs[1]!.tags[0]).toStartWith("sweep:");
  });
});

describe("every command SKILL.md names is run by this test", () => {
  /** The commands the skill names anywhere: `exprag <command>` in prose and in its shell blocks. */
  const named = [...new Set([...body.matchAll(/`exprag ([a-z-]+)/g), ...commandLines().map((line) => /^exprag ([a-z-]+)/.exec(line)!)].map((m) => m[1]!))];
  const run = new Set(commandLines().map((line) => /^exprag ([a-z-]+)/.exec(line)![1]!));

  test("each is in a shell block above, or run as the skill says below", () => {
    expect(named.filter((command) => !run.has(command)).sort()).toEqual(["check-rules", "outputs", "plot", "pull", "push", "wait"]);
  });

  test("exprag plot, in the terminal and as an SVG image, as the skill says it", async () => {
    const command = "exprag plot metrics.loss --tag sweep:3f9c2a1b --x epoch --smooth 10 --log-y";
    expect(body).toContain(`\`${command}\``);
    expect(body).toContain("`--svg loss.svg --size 1200x700`");
    const repo = makeRepo({
      "train.sh": `for step in $(seq 0 29); do printf 'EXPRAG::{"step": %s, "epoch": %s, "metrics": {"loss": %s}}\\n' $step $((step / 10)) $(( (30 - step) * 100 / $2 )); done\n`,
    });
    for (const lr of ["10", "30"]) expect((await runIn(repo, ["run", "-q", "--tag", "sweep:3f9c2a1b", "--", "sh", "train.sh", "--lr", lr])).exitCode).toBe(0);
    const env = { ...gitEnv, PATH: `${join(EXPRAG, "..")}:${process.env.PATH}`, COLUMNS: "80" };
    const chart = await shell(command, { cwd: repo, env });
    expect({ code: chart.exitCode, stderr: chart.stderr }).toEqual({ code: 0, stderr: "" });
    expect(chart.text.split("\n")[0]).toBe("metrics.loss (moving average of 10 points), log scale");
    expect(chart.text).toContain("epoch");
    expect(chart.text).toContain("lr=10");
    expect(chart.text).toContain("lr=30");
    const image = await shell(`${command} --svg loss.svg --size 1200x700`, { cwd: repo, env });
    expect(image.exitCode).toBe(0);
    expect(readFileSync(join(repo, "loss.svg"), "utf8")).toStartWith('<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="700"');
  }, 60_000);

  test("exprag outputs --path, check-rules and wait, as the skill says them", async () => {
    const repo = makeRepo({ "train.py": "print('hi')\n" });
    const script = `printf '%s\\n' 'EXPRAG::{"step": 250, "metrics": {"acc": 0.4}}'; echo weights > model.pt`;
    expect((await runIn(repo, ["run", "-q", "--", "sh", "-c", script])).exitCode).toBe(0);
    const env = { ...gitEnv, PATH: `${join(EXPRAG, "..")}:${process.env.PATH}` };
    const id = JSON.parse((await runIn(repo, ["ls", "--json"])).text)[0].short_id;
    const outputs = await shell(`exprag outputs ${id} '*.pt' --path`, { cwd: repo, env });
    expect({ code: outputs.exitCode, text: outputs.text.trim() }).toEqual({ code: 0, text: join(repo, "model.pt") });
    const rules = await shell("exprag check-rules latest --stop-when 'max(metrics.acc) < 0.5'", { cwd: repo, env });
    expect(rules.exitCode).toBe(0);
    const waited = await shell("exprag wait latest --until 'step >= 200' --timeout 30m --json", { cwd: repo, env });
    expect({ code: waited.exitCode, outcome: JSON.parse(waited.text).outcome }).toEqual({ code: 0, outcome: "held" });
  }, 60_000);

  test("exprag push, then exprag pull in another clone, as the skill says them", async () => {
    const origin = makeRepo({ "train.py": "print('hi')\n" });
    const root = tempDir();
    git(root, "clone", "-q", "--bare", origin, join(root, "remote.git"));
    for (const clone of ["a", "b"]) git(root, "clone", "-q", join(root, "remote.git"), join(root, clone));
    await runIn(join(root, "a"), ["run", "-q", "--", "true"]);
    const env = { ...gitEnv, PATH: `${join(EXPRAG, "..")}:${process.env.PATH}` };
    expect((await shell("exprag push", { cwd: join(root, "a"), env })).exitCode).toBe(0);
    expect((await shell("exprag pull", { cwd: join(root, "b"), env })).exitCode).toBe(0);
    expect(JSON.parse((await runIn(join(root, "b"), ["ls", "--json"])).text)).toHaveLength(1);
  }, 30_000);
});

describe("exprag skill", () => {
  test("prints the skill with this version", async () => {
    const result = await exprag(["skill"], { cwd: tempDir() });
    expect(result.text).toContain("name: exprag");
    expect(result.text).toMatch(/version: "\d+\.\d+\.\d+"/);
  });

  test("--write creates the folders, and rewrites its own file", async () => {
    const cwd = tempDir();
    for (let i = 0; i < 2; i++) {
      const result = await exprag(["skill", "--write", ".claude/skills/exprag/SKILL.md"], { cwd });
      expect(result.exitCode).toBe(0);
      expect(result.stderr).not.toContain("warning");
    }
    expect(readFileSync(join(cwd, ".claude/skills/exprag/SKILL.md"), "utf8")).toStartWith("---\nname: exprag\n");
  });

  test("--write refuses a file it did not write, unless --force", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "SKILL.md"), "my own notes\n");
    const refused = await exprag(["skill", "--write", "SKILL.md"], { cwd });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("exprag did not write it; use --force");
    expect(readFileSync(join(cwd, "SKILL.md"), "utf8")).toBe("my own notes\n");
    expect((await exprag(["skill", "--write", "SKILL.md", "--force"], { cwd })).exitCode).toBe(0);
  });

  test("warns when the folder is not named exprag", async () => {
    const result = await exprag(["skill", "--write", "skills/other/SKILL.md"], { cwd: tempDir() });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("expect it in a folder of that name");
  });
});
