import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completeWords } from "../../../src/commands/_complete";

const commands = {
  run: () => import("../../../src/commands/run"),
  ls: () => import("../../../src/commands/ls"),
  show: () => import("../../../src/commands/show"),
  values: () => import("../../../src/commands/values"),
  diff: () => import("../../../src/commands/diff"),
  log: () => import("../../../src/commands/log"),
  completion: () => import("../../../src/commands/completion"),
};

const cwd = mkdtempSync(join(tmpdir(), "exprag-complete-"));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const IDS = ["01900000-0000-7000-8000-0000aaaa0001", "01900000-0000-7000-8000-0000bbbb0002"];
mkdirSync(join(cwd, ".git"));
mkdirSync(join(cwd, ".exprag", "runs"), { recursive: true });
for (const [i, id] of IDS.entries()) {
  const line = (kind: string, value: unknown) =>
    JSON.stringify({
      schema_version: 1,
      exprag_version: "0.1.0",
      run_id: id,
      experiment_name: `exp-${i}`,
      kind,
      value,
      created_at: "2026-01-01T00:00:00Z",
      elapsed_ms: 0,
    });
  const metrics = i === 0 ? { loss: 0.5 } : { loss: 0.4, acc: 0.9 };
  writeFileSync(join(cwd, ".exprag", "runs", `${id}.jsonl`), `${line("run_start", {})}\n${line("track", { step: 1, metrics })}\n`);
}

const complete = (...words: string[]) => completeWords(words, commands, { env: {}, cwd });
const values = async (...words: string[]) => (await complete(...words)).candidates.map(([value]) => value);

describe("shell completion", () => {
  test("commands, with their descriptions, and help", async () => {
    expect(await values("")).toEqual(["run", "ls", "show", "values", "diff", "log", "completion", "help"]);
    expect(await values("l")).toEqual(["ls", "log"]);
    expect((await complete("sh")).candidates).toEqual([["show", expect.stringMatching(/^Everything about a run/)]]);
    expect(await values("help", "v")).toEqual(["values"]);
    expect(await values("completion", "")).toEqual(["bash", "zsh", "fish"]);
  });

  test("a command's options, and the values of an enum option, split by bash or not", async () => {
    expect(await values("ls", "--st")).toEqual(["--status"]);
    expect(await values("run", "--no-")).toEqual(["--no-params", "--no-log", "--no-snapshot", "--no-pty", "--no-env", "--no-system"]);
    expect(await values("ls", "--color", "")).toEqual(["auto", "always", "never"]);
    expect(await values("ls", "--color", "=", "al")).toEqual(["always"]);
    expect(await values("ls", "--color=al")).toEqual(["--color=always"]);
    expect(await values("ls", "--status", "ok,c")).toEqual(["ok,cancelled", "ok,crashed"]);
  });

  test("an option's short alias takes its value as the option does, as the strict parser reads it", async () => {
    // `run -n NAME`: the word after -n is its value, not an option; the word after that is.
    expect(await values("run", "-n", "--ec")).toEqual([]);
    expect(await values("run", "-n", "exp", "--ec")).toEqual(["--echo"]);
    // `-q` takes no value: the word after it is read on its own.
    expect(await values("run", "-q", "--ec")).toEqual(["--echo"]);
    expect((await complete("run", "-n", "exp", "train.py", "")).how).toBe("default");
  });

  test("run references: latest, latest~1, then short ids newest first, named by the run", async () => {
    expect((await complete("show", "")).candidates).toEqual([
      ["latest", "exp-1"],
      ["latest~1", "exp-0"],
      ["0000bbbb0002".slice(-8), "exp-1"],
      ["0000aaaa0001".slice(-8), "exp-0"],
    ]);
    expect(await values("show", "bb")).toEqual(["bbbb0002"]);
    expect(await values("diff", "latest", "aa")).toEqual(["aaaa0001"]);
    expect(await values("show", "01900000-0000-7000-8000-0000a")).toEqual([IDS[0]!]);
    // show takes several runs: after one, more.
    expect(await values("show", "latest", "")).toEqual(["latest", "latest~1", "bbbb0002", "aaaa0001"]);
  });

  test("value paths from the runs named, else the newest runs", async () => {
    expect(await values("values", "")).toEqual(["metrics.acc", "metrics.loss"]);
    expect(await values("values", "--name", "x", "metrics.l")).toEqual(["metrics.loss"]);
    expect(await values("values", "metrics.loss", "aaaa0001", "")).toEqual(["latest", "latest~1", "bbbb0002", "aaaa0001"]);
  });

  test("files, folders, and the shell's own completion where exprag has nothing to offer", async () => {
    expect((await complete("ls", "--dir", "")).how).toBe("dirs");
    expect((await complete("run", "--meta-file", "")).how).toBe("files");
    expect((await complete("run", "python", "tr")).how).toBe("default");
    expect((await complete("run", "--", "py")).how).toBe("default");
    expect((await complete("diff", "latest", "--", "src/")).how).toBe("files");
    expect(await complete("nope", "")).toEqual({ how: "candidates", candidates: [] });
  });

  test("the store named with --dir is the one read", async () => {
    expect(await values("show", "--dir", join(cwd, "elsewhere"), "")).toEqual([]);
    expect(await values("show", `--dir=${join(cwd, ".exprag")}`, "bb")).toEqual(["bbbb0002"]);
  });
});
