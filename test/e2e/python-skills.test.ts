/**
 * `exprag.agent.skills`: every helper of the original, over the original's run files (the seed),
 * over runs this exprag wrote (wrapped and standalone), and its checkout command restoring code.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeRepo, write } from "./git-harness";
import { EXPRAG, tempDir } from "./harness";
import { python, runPython } from "./python-harness";

const TIMEOUT = 60_000;
/** Run files written by the original exprag 0.1.0, 0.1.1 and 0.1.2, unchanged. */
const ORIGINAL = join(import.meta.dir, "fixtures", "original");

/** The original run files, all in one store (`.exprag/runs`) of a fresh folder, named as the original named them. */
function seedStore(): string {
  const dir = tempDir();
  mkdirSync(join(dir, ".exprag", "runs"), { recursive: true });
  for (const file of readdirSync(ORIGINAL))
    copyFileSync(join(ORIGINAL, file), join(dir, ".exprag", "runs", `${file.slice(6, -"-fixture.jsonl".length)}.jsonl`));
  return dir;
}

async function py(cwd: string, code: string, env: Record<string, string | undefined> = {}) {
  const result = await runPython([python!, "-c", code], cwd, env);
  if (result.exitCode !== 0) throw new Error(`python failed:\n${result.stderr}`);
  return result.stdout;
}

const HELPERS = `import exprag.agent.skills as s\n`;

describe.skipIf(!python)("exprag.agent.skills (python3 needed)", () => {
  test(
    "runs_dir() finds a store up to the top of the work tree, as exprag does, and never past it",
    async () => {
      const outer = seedStore();
      const repo = join(outer, "project");
      mkdirSync(join(repo, "src", "deep"), { recursive: true });
      git(repo, "init", "-q");
      const where = (cwd: string) => py(cwd, `${HELPERS}print(s.runs_dir())`, { EXPRAG_DIR: undefined });
      // The outer folder's store is another project's: not from the repository's top, nor from below it.
      expect(await where(repo)).toBe(".exprag/runs\n");
      expect(await where(join(repo, "src", "deep"))).toBe(".exprag/runs\n");
      mkdirSync(join(repo, ".exprag", "runs"), { recursive: true });
      expect(await where(join(repo, "src", "deep"))).toBe(`${join(repo, ".exprag", "runs")}\n`);
      // Outside any repository, only the folder itself.
      const loose = join(outer, "loose");
      mkdirSync(loose);
      expect(await where(loose)).toBe(".exprag/runs\n");
      // A linked worktree (a rerun's) without a store of its own uses its main worktree's, as exprag does.
      write(repo, "a.txt", "a\n");
      git(repo, "add", "a.txt");
      git(repo, "commit", "-qm", "a");
      const linked = join(outer, "linked");
      git(repo, "worktree", "add", "-q", linked);
      expect(await where(linked)).toBe(`${join(repo, ".exprag", "runs")}\n`);
    },
    TIMEOUT,
  );

  test(
    "over the original's run files: runs, paths, values, times and git states as the original gave them",
    async () => {
      const dir = seedStore();
      const out = await py(
        dir,
        `${HELPERS}import json
r = s.load_records()
assert len(s.run_start_records(r)) == 11 and len(s.track_records(r)) == len(r) - 11
summaries = s.summarize_runs(r)
assert len(summaries) == 11 and list(summaries[0]) == ["run_id", "experiment_name", "record_count", "first_created_at", "last_created_at", "value_keys", "source_paths"]
assert [x["last_created_at"] for x in summaries] == sorted(x["last_created_at"] for x in summaries)
assert s.describe_runs(r).split("\\n")[0] == "experiment_name\\trun_id\\trecord_count\\tfirst_created_at\\tlast_created_at\\tvalue_keys\\tsource_paths"
assert s.latest_runs(r, 1) == summaries[-1:] and s.latest_runs(r, 0) == []
assert s.describe_latest_runs([], 2) == "No exprag runs found."
paths = {p["path"]: p for p in s.discover_value_paths(r)}
assert paths["value.metrics.acc"]["is_numeric"] is True and paths["value.metrics.acc"]["types"] == ["float"]
assert "value.git.commit" not in paths and "value.git.commit" in {p["path"] for p in s.discover_value_paths(r, kinds=None)}
assert s.describe_value_paths(r, contains="ACC", limit=1).split("\\n")[1].startswith("value.metrics.acc\\t")
assert s.describe_value_paths(r, contains="nothing") == "No exprag value paths found."
rows = s.select_values(r, "value.metrics.acc")
assert rows[0]["_line_number"] == 2 and set(rows[0]) == {"run_id", "experiment_name", "created_at", "value", "_source_path", "_line_number"}
assert s.get_path({"value": {"h": [{"l": 1}, {"l": 2}]}}, "value.h.[].l") == [1, 2] and s.get_path([5, 6], "1") == 6 and s.get_path({"a": 1}, "b", 7) == 7
assert s.parse_time("2026-12-01T18:26:53.589090755+00:00").microsecond == 589090
assert len(s.records_between(r, since="2026-12-01T18:27:00+00:00")) < len(r)
assert len(s.latest_records(r, 3)) == 3 and len(s.latest_records(r, 0)) == len(r)
git = s.describe_git_states(r).split("\\n")
assert git[0] == "run_id\\texperiment_name\\tcommit\\tbranch\\tdirty" and len(git) == 11
print(json.dumps({
  "clean": s.git_checkout_command("2ddb4292-b094-46eb-b608-3df5e893c8ec", r),
  "snapshot": s.git_checkout_command("37b6cd64-2e46-4918-8281-f5ad7324277d", r),
  "v011": s.git_checkout_command("15cb3a25-d3e2-483f-b37b-d309c14e9f75", r),
  "v010": s.git_checkout_command("18ac82d9-fb55-4b4f-a99d-e78dd0cc137e", r),
  "nogit": s.git_checkout_command("3df3cdc5-663c-46bf-b7ff-8ac1e9cc270d", r),
  "diff": s.git_diff_between_runs("2ddb4292-b094-46eb-b608-3df5e893c8ec", "37b6cd64-2e46-4918-8281-f5ad7324277d", r, mode="log"),
}))
`,
      );
      const texts = JSON.parse(out);
      expect(texts.clean).toBe(
        "git checkout 097753e0605a5d7e9fbe9bb1782e92ab8b157dfa\n# Run was clean at commit 097753e0605a5d7e9fbe9bb1782e92ab8b157dfa on branch main.",
      );
      expect(texts.snapshot).toStartWith("git checkout 91cd1e99ea96a3ae3380ae9bc7ba5fe70ba3161f\n# Snapshot includes uncommitted changes");
      expect(texts.snapshot).toEndWith("git log --oneline -1 91cd1e99ea96a3ae3380ae9bc7ba5fe70ba3161f^");
      // 0.1.1 kept the snapshot in run_commit: that is the code to restore.
      expect(texts.v011).toStartWith("git checkout 35102e15a1308b30b71acd7199e94eef35091564\n");
      expect(texts.v010).toStartWith("git checkout ddeebc7ece327a0e5ff96630b53ac73fdf525391\n# Run had uncommitted changes that were not recorded");
      expect(texts.nogit).toBe("Run '3df3cdc5-663c-46bf-b7ff-8ac1e9cc270d' has no git state recorded.");
      expect(texts.diff).toBe("git log --oneline 097753e0605a5d7e9fbe9bb1782e92ab8b157dfa..91cd1e99ea96a3ae3380ae9bc7ba5fe70ba3161f");
    },
    TIMEOUT,
  );

  test(
    "over a store this exprag wrote, wrapped and standalone, found from a subfolder; its checkout command restores the run's code after the branch moved",
    async () => {
      const repo = makeRepo({ "model.py": "depth = 1\n", ".gitignore": ".exprag/\n" });
      const script =
        "from exprag import Experiment\ne = Experiment('s', metadata={'lr': 0.1})\ne.track({'metrics': {'acc': 0.5}}, note='n')\nprint(e.run_id)\n";
      write(repo, "t.py", script);
      const standalone = (await runPython([python!, "t.py"], repo)).stdout.trim();
      await runPython([EXPRAG, "run", "-q", "--", python!, "t.py"], repo);
      write(repo, "model.py", "depth = 2\n");
      git(repo, "commit", "-qam", "moved on");
      mkdirSync(join(repo, "sub"));
      const out = await py(
        join(repo, "sub"),
        `${HELPERS}import json
r = s.load_records()
assert len(s.summarize_runs(r)) == 2
assert [p["path"] for p in s.discover_value_paths(r)] == ["value.metrics.acc"]
assert len(s.describe_git_states(r).split("\\n")) == 3
print(json.dumps(s.git_checkout_command(${JSON.stringify(standalone)}, r)))
`,
      );
      const command = JSON.parse(out).split("\n")[0] as string;
      expect(command).toStartWith("git checkout ");
      git(repo, "stash", "-u");
      git(repo, ...command.slice("git ".length).split(" "));
      expect(readFileSync(join(repo, "model.py"), "utf8")).toBe("depth = 1\n");
      expect(readFileSync(join(repo, "t.py"), "utf8")).toBe(script);
    },
    TIMEOUT,
  );

  test(
    "errors and the skill: a bad line names its file and line; exprag-skill writes and prints as the original",
    async () => {
      const dir = tempDir();
      mkdirSync(join(dir, ".exprag", "runs"), { recursive: true });
      writeFileSync(join(dir, ".exprag", "runs", "a.jsonl"), '{"kind": "track"}\nnot json\n{"kind": "track"}\n');
      writeFileSync(join(dir, ".exprag", "runs", "b.jsonl"), '{"kind": "track"}\n{"torn": ');
      const out = await py(
        dir,
        `${HELPERS}import subprocess, sys
try:
    s.load_records()
except ValueError as e:
    print(e)
assert len(s.load_records(files=[".exprag/runs/b.jsonl"])) == 1
md = s.render_skill_markdown()
for needle in ["name: exprag-jsonl", "description: Use when an agent needs to inspect exprag JSONL", "import exprag.agent.skills as exprag",
               "exprag.describe_value_paths(records", "returns records, not runs", "reconstruct the run's code", "top-level \`note\`", "within-run timing",
               "### \`latest_runs(records: 'Iterable[Mapping[str, Any]]', n: 'int' = 5) -> 'List[Dict[str, Any]]'\`"]:
    assert needle in md, needle
assert md.startswith("---\\n") and md.endswith("\\n") and not md.endswith("\\n\\n")
assert s.main(["--write", "./skill.md"]) == 0
assert open("skill.md").read() == md
cli = subprocess.run([sys.executable, "-m", "exprag.agent.skills"], capture_output=True, text=True)
assert cli.stdout == md and cli.returncode == 0
bad = subprocess.run([sys.executable, "-m", "exprag.agent.skills", "--write"], capture_output=True, text=True)
assert bad.returncode == 2 and "expected one argument" in bad.stderr
`,
      );
      expect(out).toBe(`${join(".exprag", "runs", "a.jsonl")}:2: invalid JSONL: Expecting value: line 1 column 1 (char 0)\nskill.md\n`);
    },
    TIMEOUT,
  );
});
