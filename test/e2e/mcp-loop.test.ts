/**
 * The research loop's MCP tools answer exactly as their commands' --json: brief, decide_run,
 * note_project, lineage_tree, verdict and group_runs, on a store of synthetic runs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { cleanEnv, EXPRAG, exprag, tempDir } from "./harness";
import { writeRun } from "./synthetic-store";

const cwd = tempDir();
const dir = join(cwd, ".exprag");
const T0 = Date.parse("2026-11-01T00:00:00Z");
const ids: string[] = [];
let client: Client;

async function cli(...args: string[]) {
  const result = await exprag([...args, "--json"], { cwd });
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.text);
}

async function call(name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  const data = JSON.parse((result.content as { text: string }[])[1]!.text);
  expect(result.structuredContent).toEqual(data);
  return data;
}

async function callError(name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError).toBe(true);
  return (result.content as { text: string }[])[0]!.text;
}

beforeAll(async () => {
  for (const [i, [optimizer, value]] of (
    [
      ["sgd", 0.5],
      ["sgd", 0.55],
      ["adam", 0.8],
      ["adam", 0.82],
      ["adam", 0.79],
    ] as const
  ).entries())
    ids.push(writeRun(dir, T0 + i * 1000, { params: { optimizer, seed: i }, values: [value], metric: "acc", why: `try ${optimizer}`, from: ids[0] }));
  writeFileSync(join(cwd, ".exprag.toml"), '[goal]\nmetric = "acc"\ndirection = "max"\n');
  const transport = new StdioClientTransport({ command: EXPRAG, args: ["mcp"], cwd, env: cleanEnv({ CLAUDECODE: undefined }), stderr: "ignore" });
  client = new Client({ name: "loop-test", version: "1.0.0" });
  await client.connect(transport);
}, 60_000);

afterAll(async () => {
  await client.close();
});

describe("the loop's MCP tools answer as their commands' --json", () => {
  test("verdict, group_runs, lineage_tree", async () => {
    expect(await call("verdict", { a: ids[2], b: ids[0] })).toEqual(await cli("verdict", ids[2]!, ids[0]!));
    expect(await call("verdict", { a: ids[0], b: ids[2], metric: "acc", direction: "min", agg: "max" })).toEqual(
      await cli("verdict", ids[0]!, ids[2]!, "--metric", "acc", "--min", "--agg", "max"),
    );
    expect(await call("group_runs", { group_by: ["params.optimizer"] })).toEqual(await cli("best", "--group-by", "params.optimizer"));
    expect(await call("group_runs", { group_by: ["params.optimizer", "code"], where: "params.seed > 0" })).toEqual(
      await cli("best", "acc", "--group-by", "params.optimizer,code", "--where", "params.seed > 0"),
    );
    expect(await call("lineage_tree", {})).toEqual(await cli("tree"));
    expect(await call("lineage_tree", { runs: [ids[1], ids[2]], metric: "acc" })).toEqual(await cli("tree", ids[1]!, ids[2]!, "--metric", "acc"));
  });

  test("decide_run and note_project write what keep, discard and note --project write; brief reads them back", async () => {
    const kept = await call("decide_run", { run: ids[2], decision: "keep", because: "best mean" });
    expect(kept).toMatchObject({
      run_id: ids[2],
      decision: { decision: "keep", because: "best mean", author: { kind: "agent", name: "loop-test" } },
      replaced: null,
    });
    const cliKept = await cli("keep", ids[3]!, "--because", "best mean");
    expect(Object.keys(cliKept).sort()).toEqual(Object.keys(kept).sort());
    expect(await callError("decide_run", { run: ids[1], decision: "discard" })).toContain("a discard needs a reason");
    const note = await call("note_project", { text: "untried: nesterov" });
    expect(Object.keys(note).sort()).toEqual(Object.keys(await cli("note", "--project", "another idea")).sort());
    expect(await callError("note_project", { text: "x", replaces: "00000000" })).toContain("no project note");

    expect(await call("brief", {})).toEqual(await cli("brief"));
    expect(await call("brief", { budget: 100, metric: "acc", direction: "min" })).toEqual(await cli("brief", "--budget", "100", "--metric", "acc", "--min"));
    const brief = await call("brief", { name: "train" });
    expect(brief.best.short_id).toBe(ids[3]!.slice(-8));
    expect(brief.notes.map((n: { text: string }) => n.text)).toEqual(["untried: nesterov", "another idea"]);
  });
});
