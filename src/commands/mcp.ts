import { storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "mcp",
  description: "Serve the runs as tools to any Model Context Protocol client, over stdio",
  args: { ...storeArgs },
  examples: `EXAMPLES

  exprag mcp                         # the store found from the directory the client starts it in
  exprag mcp --dir /path/to/.exprag  # this store

Register it with a client (Claude Desktop, Claude Code's .mcp.json, Cursor):

  { "mcpServers": { "exprag": { "command": "exprag", "args": ["mcp"] } } }

Tools: list_runs, show_run, value_paths, series, best_runs, compare_runs, run_outputs,
diff_runs, read_run_file, log_tail, brief, lineage_tree, verdict, group_runs, wait_for_runs,
check_rules (read only); tag_run, note_run, decide_run, note_project, checkout_worktree (add;
nothing deletes).
The working directory is the client's first root when it names one, else where it started the
server. stdout carries the protocol; exprag's messages go to stderr.`,
  async run({ args, cwd, env }) {
    // The SDK loads only here: every other command starts without it.
    const { serveStdio } = await import("../mcp/server");
    await serveStdio({ dir: args.dir, cwd, env });
  },
});
