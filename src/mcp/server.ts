/**
 * `exprag mcp`: the runs as tools for any client of the Model Context Protocol, over stdio.
 * stdout carries the protocol and nothing else: exprag's own messages go to stderr, and no code
 * path a tool calls prints. The server ends when the client closes its stdin.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { log } from "../render/log";
import { VERSION } from "../version";
import { codeTools } from "./code-tools";
import { loopTools } from "./loop-tools";
import { queryTools } from "./query-tools";
import { ruleTools } from "./rule-tools";
import { runTools } from "./run-tools";
import { StdioTransport } from "./stdio";
import { registerTool, type ToolSpec } from "./tool";
import { Workspace, type WorkspaceOptions } from "./workspace";

const INSTRUCTIONS = `exprag is the experiment memory of this project: every run of a training script (or any command)
wrapped in \`exprag run\`, with its exact code (a git commit; a snapshot for a dirty tree), what it
reported, how it ended and what it printed. To answer a question about experiments: list_runs
(narrow with name, status, since, tags, where), value_paths for the names of metrics and params,
then show_run, series, best_runs or compare_runs; diff_runs and read_run_file for the code;
checkout_worktree to get a run's code beside the current checkout. Cite a run by its short_id and a
value by its source (file:line). tag_run and note_run keep conclusions with the runs. In an
experiment loop: brief says where the research stands, decide_run keeps or discards a run,
verdict tells a real gain from noise, lineage_tree and group_runs show what was tried, and
note_project keeps ideas and conclusions.`;

// The server validates no JSON Schema of its own (it never asks the client for input), so it
// needs no validator: building the SDK's default one is start-up time for nothing.
const noSchemaValidator = {
  getValidator: () => () => ({ valid: false as const, data: undefined, errorMessage: "exprag's MCP server validates no JSON Schema" }),
};

export const TOOLS: ToolSpec<never>[] = [...queryTools, ...codeTools, ...runTools, ...loopTools, ...ruleTools] as ToolSpec<never>[];

/** The server with every tool registered; connect it to a transport. */
export function createServer(options: WorkspaceOptions): McpServer {
  const server = new McpServer(
    { name: "exprag", title: "exprag", version: VERSION },
    { instructions: INSTRUCTIONS, capabilities: { tools: {} }, jsonSchemaValidator: noSchemaValidator },
  );
  const workspace = new Workspace(options, server.server);
  for (const tool of TOOLS) registerTool(server, workspace, tool);
  return server;
}

/** Serves on stdin and stdout until the client closes stdin. */
export async function serveStdio(options: WorkspaceOptions): Promise<void> {
  const server = createServer(options);
  // A line from the client that is not the protocol: said on stderr, and the server goes on.
  server.server.onerror = (error) => log.warn(`MCP: ${error.message}`);
  const transport = new StdioTransport();
  const closed = new Promise<void>((done) => {
    transport.onclose = () => done();
  });
  await server.connect(transport);
  await closed;
}
