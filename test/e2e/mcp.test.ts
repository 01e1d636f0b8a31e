import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { git, gitEnv, makeRepo, runIn, write } from "./git-harness";
import { cleanEnv, EXPRAG, exprag, readRecords, runFiles, tempDir } from "./harness";

/**
 * `exprag mcp` driven by the SDK's own client over stdio, on a store recorded with real runs in
 * a repository: a clean baseline, a tuned run on a dirty tree (a snapshot), a failed run. Every
 * tool's answer is compared with the command line's answer to the same question.
 */
const repo = makeRepo({ "train.py": "print('baseline')\n", "README.md": "# project\n", "data/weights.bin": "\u0000\u0001binary" });
const ids: Record<string, string> = {};
const emit = (...values: unknown[]) => values.map((v) => `printf '%s\\n' 'EXPRAG::${JSON.stringify(v)}'`).join("; ");

async function record(name: string, args: string[], script: string) {
  const result = await runIn(repo, ["run", "--name", name, ...args, "--", "sh", "-c", script]);
  ids[name] = readRecords(runFiles(join(repo, ".exprag")).at(-1)!)[0]!.run_id;
  return result;
}

/** The command line's --json answer. */
async function cli(...args: string[]) {
  const result = await runIn(repo, [...args, "--json"]);
  expect(result.stderr).not.toContain("error");
  return JSON.parse(result.text);
}

/** The command line's failure message, without the "exprag: error: " it starts with. */
async function cliError(...args: string[]) {
  const result = await runIn(repo, args);
  expect(result.exitCode).not.toBe(0);
  return result.stderr.trim().replace(/^exprag: error: /, "");
}

interface Connection {
  client: Client;
  transport: StdioClientTransport;
  errors: Error[];
  stderr: () => string;
}

const open: Connection[] = [];

async function connect(options: { args?: string[]; cwd?: string; env?: Record<string, string | undefined>; roots?: () => string[] } = {}): Promise<Connection> {
  const transport = new StdioClientTransport({
    command: EXPRAG,
    args: ["mcp", ...(options.args ?? [])],
    cwd: options.cwd ?? repo,
    env: cleanEnv({ ...gitEnv, ...options.env }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "exprag-test", version: "1.0.0" }, { capabilities: options.roots ? { roots: { listChanged: true } } : {} });
  if (options.roots) {
    const roots = options.roots;
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots().map((dir) => ({ uri: pathToFileURL(dir).href, name: "project" })) }));
  }
  const errors: Error[] = [];
  // A line on stdout that is not the protocol would come here.
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  const connection = { client, transport, errors, stderr: () => stderr };
  open.push(connection);
  return connection;
}

let mcp: Connection;

/** A tool's answer: its JSON text parsed, after checking the result has the expected form. */
async function call(name: string, args: Record<string, unknown> = {}, connection = mcp) {
  const result = (await connection.client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  expect(result.content).toHaveLength(2);
  const [summary, json] = result.content as { type: string; text: string }[];
  expect(summary!.type).toBe("text");
  expect(summary!.text.length).toBeGreaterThan(0);
  const data = JSON.parse(json!.text);
  // Structured content holds the same data; a list sits under one key, since it must be an object.
  const structured = result.structuredContent!;
  expect(Array.isArray(data) ? Object.values(structured)[0] : structured).toEqual(data);
  return { data, summary: summary!.text };
}

/** A tool's failure: its one line of text. */
async function callError(name: string, args: Record<string, unknown>, connection = mcp) {
  const result = (await connection.client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError).toBe(true);
  expect(result.content).toHaveLength(1);
  return (result.content as { text: string }[])[0]!.text;
}

beforeAll(async () => {
  await record(
    "baseline",
    ["--meta", "hparams.lr=0.1"],
    `${emit({ step: 0, metrics: { loss: 1.0, acc: 0.5 } }, { step: 1, metrics: { loss: 0.6, acc: 0.7 } })}; echo baseline-1; echo baseline-2; echo baseline-3`,
  );
  write(repo, "train.py", "print('tuned')\nlr = 0.03\n");
  write(repo, "notes.txt", "an untracked file\n");
  await record(
    "tuned",
    ["--meta", "hparams.lr=0.03"],
    emit({ step: 0, metrics: { loss: 0.9, acc: 0.6 } }, { step: 1, metrics: { loss: 0.3, acc: 0.9 }, $note: "best so far" }),
  );
  await record("failed", ["--meta", "hparams.lr=1"], `${emit({ step: 0, metrics: { loss: 5.0, acc: 0.1 } })}; exit 3`);
  mcp = await connect();
}, 60_000);

afterAll(async () => {
  for (const { client } of open) await client.close();
});

describe("exprag mcp: the connection", () => {
  test("initializes as exprag, with tools and instructions", () => {
    expect(mcp.client.getServerVersion()).toMatchObject({ name: "exprag", title: "exprag" });
    expect(mcp.client.getServerCapabilities()?.tools).toBeDefined();
    expect(mcp.client.getInstructions()).toContain("list_runs");
  });

  test("lists the twenty-one tools, each with a description, a strict JSON Schema and its annotations", async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "list_runs",
      "show_run",
      "value_paths",
      "series",
      "best_runs",
      "compare_runs",
      "run_outputs",
      "diff_runs",
      "read_run_file",
      "checkout_worktree",
      "log_tail",
      "tag_run",
      "note_run",
      "brief",
      "decide_run",
      "note_project",
      "lineage_tree",
      "verdict",
      "group_runs",
      "wait_for_runs",
      "check_rules",
    ]);
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(80);
      expect(tool.inputSchema).toMatchObject({ type: "object", additionalProperties: false });
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    const required = Object.fromEntries(tools.map((t) => [t.name, t.inputSchema.required ?? []]));
    expect(required).toEqual({
      list_runs: [],
      show_run: ["run"],
      value_paths: [],
      series: ["path"],
      best_runs: [],
      compare_runs: [],
      run_outputs: ["run"],
      diff_runs: ["run"],
      read_run_file: ["run", "path"],
      checkout_worktree: ["run", "dir"],
      log_tail: ["run"],
      tag_run: ["run", "tags"],
      note_run: ["run", "text"],
      brief: [],
      decide_run: ["run", "decision"],
      note_project: ["text"],
      lineage_tree: [],
      verdict: ["a", "b"],
      group_runs: ["group_by"],
      wait_for_runs: ["runs"],
      check_rules: ["run", "stop_when"],
    });
    for (const name of [
      "list_runs",
      "show_run",
      "value_paths",
      "series",
      "best_runs",
      "compare_runs",
      "run_outputs",
      "diff_runs",
      "read_run_file",
      "log_tail",
      "wait_for_runs",
      "check_rules",
    ]) {
      expect(byName[name]!.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    }
    expect(byName.tag_run!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true });
    expect(byName.note_run!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(byName.checkout_worktree!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    // exprag mcp --help names every tool, those that add after the read-only ones.
    const help = (await exprag(["mcp", "--help"], { cwd: tempDir() })).text.replace(/\s+/g, " ");
    const [readOnly = "", adding = ""] = /Tools: (.*?) \(read only\); (.*?) \(add;/.exec(help)!.slice(1);
    const named = (list: string) => list.split(", ").sort();
    expect(named(readOnly)).toEqual(
      tools
        .filter((t) => t.annotations?.readOnlyHint)
        .map((t) => t.name)
        .sort(),
    );
    expect(named(adding)).toEqual(
      tools
        .filter((t) => !t.annotations?.readOnlyHint)
        .map((t) => t.name)
        .sort(),
    );
    // One selection for every tool that selects runs: the same schema, property by property.
    const selection = ["runs", "name", "status", "since", "until", "tags", "where"];
    const fragment = (name: string) => Object.fromEntries(selection.map((key) => [key, byName[name]!.inputSchema.properties![key]]));
    for (const name of ["value_paths", "series", "best_runs", "compare_runs", "brief", "lineage_tree", "group_runs"])
      expect(fragment(name)).toEqual(fragment("list_runs"));
    expect((byName.list_runs!.inputSchema.properties!.status as { items: { enum: string[] } }).items.enum).toEqual([
      "ok",
      "failed",
      "killed",
      "interrupted",
      "stopped",
      "timeout",
      "cancelled",
      "preempted",
      "out_of_memory",
      "node_fail",
      "running",
      "pending",
      "crashed",
      "unknown",
    ]);
    expect(byName.list_runs!.inputSchema.properties!.limit).toMatchObject({ type: "integer", minimum: 1 });
  });
});

describe("exprag mcp: the same answers as the command line", () => {
  test("list_runs is exprag ls --json, with the selection, columns and sort", async () => {
    const { data, summary } = await call("list_runs");
    expect(data).toEqual(await cli("ls"));
    expect(data.map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["failed", "tuned", "baseline"]);
    expect(summary.split("\n")[0]).toBe("3 runs, newest first");
    const asked = await call("list_runs", {
      status: ["ok"],
      where: "meta.hparams.lr < 0.5",
      columns: ["max(metrics.acc)"],
      sort: "max(metrics.acc)",
      desc: true,
    });
    expect(asked.data).toEqual(
      await cli("ls", "--status", "ok", "--where", "meta.hparams.lr < 0.5", "--columns", "max(metrics.acc)", "--sort", "max(metrics.acc)", "--desc"),
    );
    expect(asked.data.map((r: { columns: unknown }) => r.columns)).toEqual([{ "max(metrics.acc)": 0.9 }, { "max(metrics.acc)": 0.7 }]);
    const limited = await call("list_runs", { limit: 1, name: "*e*" });
    expect(limited.data).toEqual(await cli("ls", "--limit", "1", "--name", "*e*"));
    expect(limited.summary.split("\n")[0]).toBe("1 of 3 runs (pass limit or all: true for more), newest first");
  });

  test("show_run is exprag show --json", async () => {
    const { data, summary } = await call("show_run", { run: "latest~1" });
    expect(data).toEqual(await cli("show", "latest~1"));
    expect(data).toMatchObject({ run_id: ids.tuned, dirty: true, metadata: { hparams: { lr: 0.03 } } });
    expect(summary.split("\n")[0]).toStartWith(`run ${data.short_id} tuned: ok (exit 0)`);
  });

  test("value_paths is exprag paths --json", async () => {
    expect((await call("value_paths")).data).toEqual(await cli("paths"));
    const numeric = await call("value_paths", { numeric: true, contains: "ACC", runs: ["latest"] });
    expect(numeric.data).toEqual(await cli("paths", "--numeric", "--contains", "ACC", "latest"));
    expect(numeric.data.map((p: { path: string }) => p.path)).toEqual(["metrics.acc"]);
  });

  test("series is exprag values --json: the latest run by default, or the runs asked for", async () => {
    const latest = await call("series", { path: "metrics.loss" });
    expect(latest.data).toEqual(await cli("values", "metrics.loss"));
    expect(latest.data.map((p: { value: number }) => p.value)).toEqual([5]);
    const selected = await call("series", { path: "metrics.acc", status: ["ok"], last: 1, all: true });
    expect(selected.data).toEqual(await cli("values", "metrics.acc", "--status", "ok", "--last", "1", "--all"));
    expect(selected.data.map((p: { value: number }) => p.value)).toEqual([0.7, 0.9]);
    const named = await call("series", { path: "metrics.acc", runs: [ids.tuned!, ids.baseline!], limit: 3 });
    expect(named.data).toEqual(await cli("values", "metrics.acc", ids.tuned!, ids.baseline!, "--limit", "3"));
    expect(named.summary.split("\n")[0]).toBe("the newest 3 of 4 points of metrics.acc in 2 runs");
  });

  test("best_runs is exprag best --json; without a direction it guesses, and says so", async () => {
    const best = await call("best_runs", { path: "metrics.acc", direction: "max" });
    expect(best.data).toEqual(await cli("best", "metrics.acc", "--max"));
    expect(best.data.map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["tuned", "baseline", "failed"]);
    const guessed = await call("best_runs", { path: "metrics.loss", agg: "min", status: ["ok"], limit: 1 });
    expect(guessed.data).toEqual(await cli("best", "metrics.loss", "--agg", "min", "--status", "ok", "--limit", "1"));
    expect(guessed.summary.split("\n")[0]).toBe(
      "1 of 2 runs (pass limit or all: true for more) ranked by min(metrics.loss), lowest first (guessed from the path; pass direction to choose)",
    );
  });

  test("compare_runs is exprag compare --json, for runs named or a selection", async () => {
    const named = await call("compare_runs", { runs: ["latest~2", "latest"] });
    expect(named.data).toEqual(await cli("compare", "latest~2", "latest"));
    expect(named.data.metadata).toEqual({ "hparams.lr": [0.1, 1] });
    expect((await call("compare_runs", { status: ["ok"] })).data).toEqual(await cli("compare", "--status", "ok"));
  });

  test("diff_runs gives the patch exprag diff shows, and the files with their line counts", async () => {
    const { data, summary } = await call("diff_runs", { run: "latest~2", other: "latest~1" });
    const patch = (await runIn(repo, ["diff", "latest~2", "latest~1", "--color", "never"])).text;
    expect(data.patch).toBe(patch);
    expect(data).toMatchObject({ from: { run_id: ids.baseline }, to: { run_id: ids.tuned }, truncated: false });
    expect(data.files).toEqual([
      { path: "notes.txt", status: "A", old_path: null, added: 1, deleted: 0 },
      { path: "train.py", status: "M", old_path: null, added: 2, deleted: 1 },
    ]);
    expect(summary.split("\n")[0]).toBe(
      `2 files changed from ${data.from.run_id.replace(/-/g, "").slice(-8)} to ${data.to.run_id.replace(/-/g, "").slice(-8)}`,
    );
    const stat = await call("diff_runs", { run: "latest~2", other: "latest~1", stat: true, paths: ["train.py"] });
    expect(stat.data.patch).toBeUndefined();
    expect(stat.data.files.map((f: { path: string }) => f.path)).toEqual(["train.py"]);
  });

  test("diff_runs of one run compares it with the work tree, untracked files included", async () => {
    write(repo, "extra.txt", "new in the work tree\n");
    try {
      const { data } = await call("diff_runs", { run: "latest" });
      expect(data.patch).toBe((await runIn(repo, ["diff", "latest", "--color", "never"])).text);
      expect(data.to).toMatchObject({ work_tree: realpathSync(repo), skipped: [] });
      expect(data.files.map((f: { path: string; status: string }) => `${f.status} ${f.path}`)).toEqual(["A extra.txt"]);
    } finally {
      Bun.spawnSync(["rm", "-f", join(repo, "extra.txt")]);
    }
  });

  test("read_run_file reads the run's commit, not the work tree: a file, a folder, a binary file", async () => {
    write(repo, "train.py", "print('changed since')\n");
    try {
      const baseline = await call("read_run_file", { run: ids.baseline!, path: "train.py" });
      const commit = (await cli("show", ids.baseline!)).git.commit;
      expect(baseline.data).toMatchObject({
        run_id: ids.baseline,
        commit,
        path: "train.py",
        kind: "file",
        binary: false,
        text: git(repo, "show", `${commit}:train.py`),
      });
      const tuned = await call("read_run_file", { run: ids.tuned!, path: "./train.py", start_line: 2 });
      expect(tuned.data).toMatchObject({ text: "lr = 0.03\n", start_line: 2, lines: 1, total_lines: 2, truncated: false });
      expect(tuned.summary).toEndWith(": lines 2-2 of 2");
      const top = await call("read_run_file", { run: ids.tuned!, path: "" });
      expect(top.data.entries.map((e: { name: string; kind: string }) => `${e.kind} ${e.name}`)).toEqual([
        "file README.md",
        "directory data",
        "file notes.txt",
        "file train.py",
      ]);
      const binary = await call("read_run_file", { run: ids.tuned!, path: "data/weights.bin" });
      expect(binary.data).toMatchObject({ kind: "file", binary: true, text: null, size: 8 });
    } finally {
      write(repo, "train.py", "print('tuned')\nlr = 0.03\n");
    }
  });

  test("log_tail is the text exprag log --tail shows", async () => {
    const { data } = await call("log_tail", { run: ids.baseline!, lines: 2 });
    expect(data.text).toBe((await runIn(repo, ["log", ids.baseline!, "--tail", "2"])).text);
    expect(data).toMatchObject({ run_id: ids.baseline, text: "baseline-2\nbaseline-3\n", lines: 2, truncated: false });
  });

  test("wait_for_runs answers as exprag wait --json: held, ended without it, timed out", async () => {
    for (const [until, outcome] of [
      ["status != running", "held"],
      ["max(metrics.acc) > 0.99", "ended"],
    ]) {
      const { data } = await call("wait_for_runs", { runs: [ids.baseline!, ids.failed!], until });
      expect(data.outcome).toBe(outcome);
      const result = await runIn(repo, ["wait", ids.baseline!, ids.failed!, "--until", until!, "--json"]);
      expect(result.exitCode).toBe(outcome === "held" ? 0 : 1);
      expect(data).toEqual(JSON.parse(result.text));
    }
    expect(await callError("wait_for_runs", { runs: ["latest"], until: "step >" })).toBe(await cliError("wait", "latest", "--until", "step >"));
    expect(await callError("wait_for_runs", { runs: ["latest"], timeout_s: 3600 })).toContain("300");
  });

  test("check_rules answers as exprag check-rules --json", async () => {
    const { data } = await call("check_rules", { run: ids.baseline!, stop_when: ["metrics.loss < 0.8", "diverged"] });
    expect(data).toEqual(await cli("check-rules", ids.baseline!, "--stop-when", "metrics.loss < 0.8", "--stop-when", "diverged"));
    expect(data.stopped_by).toMatchObject({ rule: "metrics.loss < 0.8", step: 1 });
  });

  test("tag_run answers as exprag tag --json, and the tag selects the run", async () => {
    const { data } = await call("tag_run", { run: ids.tuned!, tags: ["best", "reviewed"] });
    expect(data).toEqual({ run_id: ids.tuned, tags: ["best", "reviewed"] });
    expect(await cli("tag", ids.tuned!, "--remove", "reviewed")).toEqual({ run_id: ids.tuned, tags: ["best"] });
    expect((await call("list_runs", { tags: ["best"] })).data.map((r: { run_id: string }) => r.run_id)).toEqual([ids.tuned]);
    // Who gave it: the client, by the name it connected with.
    const annotations = readFileSync(join(repo, ".exprag", "annotations", `${ids.tuned}.jsonl`), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(annotations[0].author).toEqual({ kind: "agent", name: "exprag-test" });
  });

  test("note_run answers as exprag note --json, and show lists the note", async () => {
    const { data } = await call("note_run", { run: ids.baseline!, text: "  lr 0.1 is too high  " });
    expect(data).toEqual({ run_id: ids.baseline, note: "lr 0.1 is too high", author: { kind: "agent", name: "exprag-test" } });
    const notes = (await cli("show", ids.baseline!)).notes;
    expect(notes.at(-1)).toMatchObject({ kind: "annotation", note: "lr 0.1 is too high", author: { kind: "agent", name: "exprag-test" } });
  });

  test("checkout_worktree puts the run's code in a new worktree and leaves the checkout as it is", async () => {
    const head = git(repo, "rev-parse", "HEAD");
    const status = git(repo, "status", "--porcelain");
    const dir = join(tempDir(), "baseline-code");
    const { data } = await call("checkout_worktree", { run: ids.baseline!, dir });
    const commit = (await cli("show", ids.baseline!)).git.commit;
    expect(data).toEqual({ run_id: ids.baseline, commit, worktree: dir, branch: null, in_place: false });
    expect(git(dir, "rev-parse", "HEAD")).toBe(`${commit}\n`);
    expect(readFileSync(join(dir, "train.py"), "utf8")).toBe("print('baseline')\n");
    expect(git(repo, "rev-parse", "HEAD")).toBe(head);
    expect(git(repo, "status", "--porcelain")).toBe(status);
    // Again into the same folder: git refuses, and its reason is the one line.
    expect(await callError("checkout_worktree", { run: ids.baseline!, dir })).toBe(`git worktree add failed: fatal: '${dir}' already exists`);
  });
});

describe("exprag mcp: bad calls are tool errors, and the server goes on", () => {
  test("a failure core reports reads as the command line's one-line message", async () => {
    expect(await callError("show_run", { run: "nosuch" })).toBe(await cliError("show", "nosuch"));
    expect(await callError("list_runs", { where: "meta.lr <" })).toBe(await cliError("ls", "--where", "meta.lr <"));
    expect(await callError("list_runs", { since: "yesterday" })).toBe(await cliError("ls", "--since", "yesterday"));
    expect(await callError("series", { path: "metrics..acc" })).toBe(await cliError("values", "metrics..acc"));
    expect(await callError("tag_run", { run: "latest", tags: ["two words"] })).toBe(await cliError("tag", "latest", "two words"));
    expect(await callError("note_run", { run: "latest", text: "   " })).toBe(await cliError("note", "latest", "   "));
    expect(await callError("log_tail", { run: "latest~9" })).toBe(await cliError("log", "latest~9"));
    expect(await callError("compare_runs", { runs: ["latest"] })).toBe("compare needs at least two runs; the selection kept 1");
    // No path and no goal: the tool says how to give one, in its own words.
    expect(await callError("best_runs", {})).toStartWith("best_runs needs a metric: give path, e.g. metrics.acc; or name the goal once");
    expect(await cliError("best")).toStartWith("best needs a metric: a value path, e.g. exprag best metrics.acc; or name the goal once");
    expect(await callError("read_run_file", { run: "latest", path: "missing.py" })).toStartWith("the code of run ");
    expect(await callError("read_run_file", { run: "latest", path: "../outside" })).toBe(await cliError("cat", "latest", "../outside"));
    expect(await callError("read_run_file", { run: "latest", path: "/etc/passwd" })).toBe(await cliError("cat", "latest", "/etc/passwd"));
  });

  test("input the schema does not allow, an unknown argument or an unknown tool is an error result", async () => {
    expect(await callError("list_runs", { limit: "ten" })).toContain("limit");
    expect(await callError("list_runs", { limit: 0 })).toContain("limit");
    expect(await callError("list_runs", { tag: ["best"] })).toContain('"tag"');
    expect(await callError("show_run", {})).toContain("run");
    expect(await callError("no_such_tool", {})).toContain("no_such_tool");
    // An empty text where the command line would say "--name needs a value": never "no runs".
    for (const [tool, args] of [
      ["list_runs", { name: "" }],
      ["list_runs", { tags: [""] }],
      ["list_runs", { where: "" }],
      ["list_runs", { since: "" }],
      ["list_runs", { columns: [""] }],
      ["list_runs", { sort: "" }],
      ["value_paths", { contains: "" }],
      ["best_runs", { path: "metrics.acc", until: "" }],
      ["diff_runs", { run: "latest", paths: [""] }],
    ] as const) {
      expect(await callError(tool, args)).toContain("expected string to have >=1 characters");
    }
    // A NUL byte, which a command line cannot pass: a one-line error naming the argument, not an internal one.
    expect(await callError("read_run_file", { run: "latest", path: "a\u0000b" })).toBe("path holds a NUL byte, which no name, path or expression can hold");
    expect(await callError("diff_runs", { run: "latest", paths: ["train.py", "a\u0000b"] })).toStartWith("paths[1] holds a NUL byte");
    expect(await callError("checkout_worktree", { run: "latest", dir: "a\u0000b" })).toStartWith("dir holds a NUL byte");
    // Still serving.
    expect((await call("list_runs")).data).toHaveLength(3);
  });

  test("nothing but the protocol reached stdout, and nothing went to stderr", () => {
    expect(mcp.errors).toEqual([]);
    expect(mcp.stderr()).toBe("");
  });
});

describe("exprag mcp: where the store is", () => {
  test("--dir names the store, from any working directory", async () => {
    const elsewhere = await connect({ cwd: tempDir(), args: ["--dir", join(repo, ".exprag")] });
    expect((await call("list_runs", {}, elsewhere)).data).toHaveLength(3);
  });

  test("EXPRAG_DIR names the store", async () => {
    const elsewhere = await connect({ cwd: tempDir(), env: { EXPRAG_DIR: join(repo, ".exprag") } });
    expect((await call("list_runs", {}, elsewhere)).data).toHaveLength(3);
  });

  test("else it is found from the client's first root, where the client names roots", async () => {
    const rooted = await connect({ cwd: tempDir(), roots: () => [join(repo, "data"), tempDir()] });
    expect((await call("list_runs", {}, rooted)).data.map((r: { run_id: string }) => r.run_id)).toEqual([ids.failed, ids.tuned, ids.baseline]);
    // The repository is the root's too: the code tools work from there.
    expect((await call("read_run_file", { run: ids.baseline!, path: "README.md" }, rooted)).data.text).toBe("# project\n");
  });

  test("roots that change are asked for again", async () => {
    let roots = [tempDir()];
    const rooted = await connect({ cwd: tempDir(), roots: () => roots });
    expect((await call("list_runs", {}, rooted)).data).toEqual([]);
    roots = [repo];
    await rooted.client.sendRootsListChanged();
    expect((await call("list_runs", {}, rooted)).data).toHaveLength(3);
  });

  test("else from the directory the client started it in: a folder with no store has no runs", async () => {
    const empty = await connect({ cwd: tempDir() });
    expect((await call("list_runs", {}, empty)).data).toEqual([]);
    expect(await callError("show_run", { run: "latest" }, empty)).toStartWith("no runs in ");
  });
});

describe("exprag mcp: shutting down", () => {
  test("ends with exit code 0 when the client closes stdin, having written only the protocol", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "README"), "no store here\n");
    await using proc = Bun.spawn([EXPRAG, "mcp"], { cwd: dir, env: cleanEnv(), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    };
    proc.stdin.write(`${JSON.stringify(initialize)}\n${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })}\n`);
    await proc.stdin.end();
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(exitCode).toBe(0);
    expect(stderr).toBe("");
    const messages = stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(messages.map((m) => m.id)).toEqual([1, 2]);
    expect(messages[1].result.tools).toHaveLength(21);
    expect(existsSync(join(dir, ".exprag"))).toBe(false);
  });

  test("a line that is not JSON-RPC is answered with an error, said on stderr and skipped; the next is answered", async () => {
    const list = { jsonrpc: "2.0", id: 7, method: "tools/list" };
    const { answers, stderr, exitCode } = await rawSession(`not json\n${JSON.stringify({ hello: 1 })}\n${JSON.stringify(list)}\n`);
    expect(exitCode).toBe(0);
    expect(answers.map((m) => [m.id, m.error?.code ?? null])).toEqual([
      [null, -32700],
      [null, -32600],
      [7, null],
    ]);
    const warnings = stderr.trimEnd().split("\n");
    expect(warnings).toHaveLength(2);
    for (const line of warnings) expect(line).toStartWith("exprag: warning: MCP: ");
  });

  test("a raw client's malformed requests each get a JSON-RPC error, and an oversized line drops only itself", async () => {
    const lines = [
      "{not json",
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: "all" }),
      JSON.stringify({ jsonrpc: "1.0", id: 2, method: "tools/list" }),
      JSON.stringify({ jsonrpc: "2.0", id: { nested: true }, method: "tools/list" }),
      JSON.stringify({ jsonrpc: "2.0", id: 3, method: 42 }),
      `{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"pad":"${"x".repeat(11 * 1024 * 1024)}"}}`,
      JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/list" }),
    ];
    const { answers, exitCode } = await rawSession(`${lines.join("\n")}\n`);
    expect(exitCode).toBe(0);
    expect(answers.map((m) => [m.id, m.error?.code ?? null])).toEqual([
      [null, -32700],
      [1, -32602],
      [2, -32600],
      [null, -32600],
      [3, -32600],
      [null, -32600],
      [5, null],
    ]);
    expect(answers.at(-1).result.tools.length).toBeGreaterThan(0);
  }, 30_000);

  test("a notification is never answered, even with params that are no object; members JSON-RPC does not define are passed over", async () => {
    const lines = [
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized", params: [1] }),
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", extra: 1 }),
    ];
    const { answers, exitCode } = await rawSession(`${lines.join("\n")}\n`);
    expect(exitCode).toBe(0);
    expect(answers).toEqual([{ jsonrpc: "2.0", id: 1, result: {} }]);
  });

  test("a request whose params the protocol does not allow is answered -32602 in one line; a reused id and a last line without newline are answered too", async () => {
    const call = (id: number, params?: unknown) => JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", ...(params !== undefined && { params }) });
    const lines = [
      call(1, { name: "list_runs", arguments: [] }),
      call(2),
      call(3, { name: 5 }),
      JSON.stringify({ jsonrpc: "2.0", id: 4, method: "initialize", params: {} }),
      JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/list", params: { cursor: 5 } }),
      JSON.stringify({ jsonrpc: "2.0", id: 6, method: "ping" }),
      JSON.stringify({ jsonrpc: "2.0", id: 6, method: "ping" }),
      JSON.stringify({ jsonrpc: "2.0", id: 1.5, method: "ping" }),
      JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping" }),
    ];
    const { answers, exitCode } = await rawSession(lines.join("\n"));
    expect(exitCode).toBe(0);
    // Errors are answered as the lines are read, the others once handled: in no order to rely on.
    const byId = (list: unknown[][]) => list.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(byId(answers.map((m) => [m.id, m.error?.code ?? null, m.error?.message ?? null]))).toEqual(
      byId([
        [1, -32602, "Invalid params for tools/call: arguments: Invalid input: expected record, received array"],
        [2, -32602, "Invalid params for tools/call: params: Invalid input: expected object, received undefined"],
        [3, -32602, "Invalid params for tools/call: name: Invalid input: expected string, received number"],
        [4, -32602, "Invalid params for initialize: protocolVersion: Invalid input: expected string, received undefined"],
        [5, -32602, "Invalid params for tools/list: cursor: Invalid input: expected string, received number"],
        [null, -32600, "Invalid Request: id must be a string or an integer"],
        [6, null, null],
        [6, null, null],
        [7, null, null],
      ]),
    );
  }, 30_000);

  test("the binary carries a stub for the SDK's default JSON Schema validator, not ajv", () => {
    const binary = readFileSync(EXPRAG);
    expect(binary.includes("exprag's binary carries no ajv")).toBe(true);
    // Words of ajv's own options and messages.
    expect(binary.includes("strictTuples")).toBe(false);
  });

  test("exprag mcp --help says how to register it", async () => {
    const result = await runIn(repo, ["mcp", "--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.text).toContain('{ "mcpServers": { "exprag": { "command": "exprag", "args": ["mcp"] } } }');
  });
});

/** What a raw client gets from `exprag mcp` for `input` (its stdin, closed after): each answer, stderr, the exit code. */
async function rawSession(input: string) {
  await using proc = Bun.spawn([EXPRAG, "mcp"], { cwd: tempDir(), env: cleanEnv(), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  proc.stdin.write(input);
  await proc.stdin.end();
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  // biome-ignore lint/suspicious/noExplicitAny: a JSON-RPC answer, as the server sent it
  const answers: any[] = stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  return { answers, stderr, exitCode };
}
