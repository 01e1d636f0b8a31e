import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { gitEnv, makeRepo, runIn, write } from "./git-harness";
import { cleanEnv, EXPRAG, readRecords, runFiles, tempDir } from "./harness";

/**
 * Every MCP tool answers with exactly the data its command prints with --json, on the same store:
 * one case per tool, and a tool without a case fails the first test. The store holds runs that
 * recorded no git tree (as an older exprag wrote them), so an answer that forgets to fill it in
 * from git differs from its command's.
 */
const repo = makeRepo({ "train.py": "print('baseline')\n", "README.md": "# project\n" });
// An agent in the environment, so the author of a note is the same whichever front end adds it.
const env = { CLAUDECODE: "1" };
const ids: Record<string, string> = {};
const emit = (...values: unknown[]) => values.map((v) => `printf '%s\\n' 'EXPRAG::${JSON.stringify(v)}'`).join("; ");

async function record(name: string, script: string) {
  const result = await runIn(repo, ["run", "--name", name, "--", "sh", "-c", script], env);
  expect(result.exitCode).toBe(0);
  ids[name] = readRecords(runFiles(join(repo, ".exprag")).at(-1)!)[0]!.run_id;
}

/** Takes the recorded tree out of a run's run_start, as runs of an older exprag lack it. */
function forgetTree(runId: string) {
  const file = runFiles(join(repo, ".exprag")).find((f) => f.includes(runId))!;
  const [first, ...rest] = readFileSync(file, "utf8").split("\n");
  const start = JSON.parse(first!);
  expect(start.value.git.tree).toBeString();
  delete start.value.git.tree;
  writeFileSync(file, [JSON.stringify(start), ...rest].join("\n"));
}

async function cli(args: string[]) {
  const result = await runIn(repo, [...args, "--json"], env);
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.text);
}

let client: Client;

async function call(name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return JSON.parse((result.content as { text: string }[])[1]!.text);
}

const without = (data: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(data).filter(([key]) => !keys.includes(key)));

interface Case {
  tool: Record<string, unknown>;
  command: string[];
  /** What the two answers may differ in, by design: taken out of both before they are compared. */
  apart?: (data: Record<string, unknown>) => Record<string, unknown>;
}

const worktrees = { tool: join(tempDir(), "tool-code"), command: join(tempDir(), "command-code") };

/** Built once the runs exist (they name runs by id). */
const cases = (): Record<string, Case[]> => ({
  list_runs: [
    { tool: {}, command: ["ls"] },
    {
      tool: { status: ["ok"], columns: ["max(metrics.acc)"], sort: "max(metrics.acc)", desc: true, limit: 2 },
      command: ["ls", "--status", "ok", "--columns", "max(metrics.acc)", "--sort", "max(metrics.acc)", "--desc", "--limit", "2"],
    },
    // A run's own fields by their column names (nothing to add), and a sort by a field's column name.
    {
      tool: { columns: ["id", "records", "max(metrics.acc)"], sort: "started", desc: true },
      command: ["ls", "--columns", "id,records,max(metrics.acc)", "--sort", "started", "--desc"],
    },
    { tool: { columns: ["status"], sort: "duration" }, command: ["ls", "--columns", "status", "--sort", "duration"] },
  ],
  show_run: [{ tool: { run: ids.baseline }, command: ["show", ids.baseline!] }],
  value_paths: [{ tool: { numeric: true }, command: ["paths", "--numeric"] }],
  series: [{ tool: { path: "metrics.loss", status: ["ok"], all: true }, command: ["values", "metrics.loss", "--status", "ok", "--all"] }],
  best_runs: [{ tool: { path: "metrics.acc", direction: "max" }, command: ["best", "metrics.acc", "--max"] }],
  compare_runs: [
    // Same code, neither with a recorded tree: no diff to look at.
    { tool: { runs: [ids.baseline, ids.repeat] }, command: ["compare", ids.baseline!, ids.repeat!] },
    { tool: { runs: [ids.baseline, ids.tuned] }, command: ["compare", ids.baseline!, ids.tuned!] },
    // A limit alone selects the latest runs, in both.
    { tool: { limit: 2 }, command: ["compare", "--limit", "2"] },
  ],
  run_outputs: [
    { tool: { run: ids.tuned }, command: ["outputs", ids.tuned!] },
    { tool: { run: ids.tuned, globs: ["*.py"] }, command: ["outputs", ids.tuned!, "*.py"] },
  ],
  diff_runs: [{ tool: { run: ids.baseline, other: ids.tuned }, command: ["diff", ids.baseline!, ids.tuned!] }],
  // read_run_file gives a window of lines; cat the whole text. The window of a whole small file is the same text.
  read_run_file: [
    {
      tool: { run: ids.tuned, path: "train.py" },
      command: ["cat", ids.tuned!, "train.py"],
      apart: (d) => without(d, ["start_line", "lines", "total_lines", "truncated"]),
    },
    { tool: { run: ids.tuned, path: "" }, command: ["cat", ids.tuned!, "."] },
    // An absolute path inside the repository, and one that goes out and back in, are read as cat reads them.
    {
      tool: { run: ids.tuned, path: join(repo, "train.py") },
      command: ["cat", ids.tuned!, join(repo, "train.py")],
      apart: (d) => without(d, ["start_line", "lines", "total_lines", "truncated"]),
    },
    {
      tool: { run: ids.tuned, path: "./docs/../README.md" },
      command: ["cat", ids.tuned!, "./docs/../README.md"],
      apart: (d) => without(d, ["start_line", "lines", "total_lines", "truncated"]),
    },
  ],
  checkout_worktree: [
    {
      tool: { run: ids.tuned, dir: worktrees.tool },
      command: ["checkout", ids.tuned!, "--worktree", worktrees.command],
      apart: (d) => without(d, ["worktree"]),
    },
  ],
  log_tail: [{ tool: { run: ids.baseline, lines: 2 }, command: ["log", ids.baseline!, "--tail", "2"] }],
  // Tagging again changes nothing, so the second answer is the first's.
  tag_run: [{ tool: { run: ids.tuned, tags: ["best"] }, command: ["tag", ids.tuned!, "best"] }],
  note_run: [{ tool: { run: ids.repeat, text: "same code as baseline" }, command: ["note", ids.repeat!, "same code as baseline"] }],
  brief: [{ tool: { metric: "metrics.acc", direction: "max" }, command: ["brief", "--metric", "metrics.acc", "--max"] }],
  verdict: [
    {
      tool: { a: ids.tuned, b: ids.baseline, metric: "metrics.acc", direction: "max" },
      command: ["verdict", ids.tuned!, ids.baseline!, "--metric", "metrics.acc", "--max"],
    },
  ],
  group_runs: [{ tool: { group_by: ["name"], metric: "metrics.acc", direction: "max" }, command: ["best", "metrics.acc", "--max", "--group-by", "name"] }],
  lineage_tree: [{ tool: { metric: "metrics.acc" }, command: ["tree", "--metric", "metrics.acc"] }],
  // The command decides second, so its answer names the tool's decision as the one it replaced.
  decide_run: [
    {
      tool: { run: ids.tuned, decision: "keep", because: "highest acc" },
      command: ["keep", ids.tuned!, "--because", "highest acc"],
      apart: (d) => ({ ...without(d, ["replaced"]), decision: without(d.decision as Record<string, unknown>, ["created_at"]) }),
    },
  ],
  wait_for_runs: [
    { tool: { runs: [ids.baseline, ids.tuned], until: "status != running" }, command: ["wait", ids.baseline!, ids.tuned!, "--until", "status != running"] },
  ],
  check_rules: [
    { tool: { run: ids.baseline, stop_when: ["metrics.loss < 0.8"] }, command: ["check-rules", ids.baseline!, "--stop-when", "metrics.loss < 0.8"] },
  ],
  note_project: [{ tool: { text: "try a smaller lr" }, command: ["note", "--project", "try a smaller lr"], apart: (d) => without(d, ["id", "created_at"]) }],
});

beforeAll(async () => {
  const lines = "echo line-1; echo line-2; echo line-3";
  await record("baseline", `${emit({ step: 0, metrics: { loss: 1.0, acc: 0.5 } }, { step: 1, metrics: { loss: 0.6, acc: 0.7 } })}; ${lines}`);
  await record("repeat", emit({ step: 0, metrics: { loss: 0.9, acc: 0.6 } }));
  write(repo, "train.py", "print('tuned')\nlr = 0.03\n");
  await record("tuned", emit({ step: 0, metrics: { loss: 0.3, acc: 0.9 } }));
  forgetTree(ids.baseline!);
  forgetTree(ids.repeat!);
  const transport = new StdioClientTransport({ command: EXPRAG, args: ["mcp"], cwd: repo, env: cleanEnv({ ...gitEnv, ...env }), stderr: "pipe" });
  client = new Client({ name: "exprag-parity", version: "1.0.0" });
  await client.connect(transport);
}, 60_000);

afterAll(async () => {
  await client?.close();
});

describe("every MCP tool answers as its command's --json", () => {
  test("each tool the server lists has a case here", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(cases()).sort());
  });

  test("runs without a recorded tree get it from git in both front ends", async () => {
    const listed = await call("list_runs", {});
    expect(listed.map((r: { tree: unknown }) => typeof r.tree)).toEqual(["string", "string", "string"]);
    expect((await call("compare_runs", { runs: [ids.baseline, ids.repeat] })).code).toEqual([]);
  });

  for (const name of Object.keys(cases())) {
    test(`${name}`, async () => {
      for (const { tool, command, apart = (d: Record<string, unknown>) => d } of cases()[name]!) {
        const fromTool = await call(name, tool);
        const fromCommand = await cli(command);
        const comparable = (data: unknown) => (Array.isArray(data) ? data : apart(data as Record<string, unknown>));
        expect(comparable(fromTool)).toEqual(comparable(fromCommand));
      }
    }, 60_000);
  }

  test("checkout_worktree and checkout --worktree each made the worktree they were asked for", async () => {
    expect(readFileSync(join(worktrees.tool, "train.py"), "utf8")).toBe("print('tuned')\nlr = 0.03\n");
    expect(readFileSync(join(worktrees.command, "train.py"), "utf8")).toBe("print('tuned')\nlr = 0.03\n");
  });
});

describe("with the project's goal in .exprag.toml", () => {
  test("best_runs ranks the goal's way, as best does, with the path given or left to the goal", async () => {
    const project = makeRepo({ "README.md": "# project\n", ".exprag.toml": '[goal]\nmetric = "val_bpb"\ndirection = "min"\n' });
    for (const value of [1.02, 0.98, 1.1]) {
      expect((await runIn(project, ["run", "--", "sh", "-c", emit({ val_bpb: value })], env)).exitCode).toBe(0);
    }
    const transport = new StdioClientTransport({ command: EXPRAG, args: ["mcp"], cwd: project, env: cleanEnv({ ...gitEnv, ...env }), stderr: "pipe" });
    const goalClient = new Client({ name: "exprag-parity-goal", version: "1.0.0" });
    await goalClient.connect(transport);
    try {
      const ask = async (args: Record<string, unknown>) => {
        const result = (await goalClient.callTool({ name: "best_runs", arguments: args })) as CallToolResult;
        expect(result.isError).toBeFalsy();
        return JSON.parse((result.content as { text: string }[])[1]!.text);
      };
      const command = async (args: string[]) => JSON.parse((await runIn(project, ["best", ...args, "--json"], env)).text);
      const ranked = await ask({ path: "val_bpb" });
      expect(ranked.map((r: { value: number }) => r.value)).toEqual([0.98, 1.02, 1.1]);
      expect(ranked).toEqual(await command(["val_bpb"]));
      expect(await ask({})).toEqual(ranked);
      expect(await command([])).toEqual(ranked);
      const explained = await ask({ explain: true });
      expect(explained.rule).toEqual({ path: "val_bpb", agg: "last", direction: "min", direction_from: "goal" });
      expect(explained).toEqual(await command(["--explain"]));
      // A direction given wins over the goal's.
      expect((await ask({ path: "val_bpb", direction: "max" })).map((r: { value: number }) => r.value)).toEqual([1.1, 1.02, 0.98]);
      expect((await command(["val_bpb", "--max", "--explain"])).rule.direction_from).toBe("flag");
    } finally {
      await goalClient.close();
    }
  }, 60_000);
});
