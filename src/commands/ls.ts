import { defineCommand } from "citty";
import { colors } from "../render/colors";
import { usageError } from "../core/errors";
import { listRunSummaries, type RunSummary } from "../core/runs";
import { resolveStoreDir } from "../core/store";
import { log } from "../log";
import { type Column, outputMode, printData, renderRows } from "../render/table";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const DEFAULT_LIMIT = 20;

const args = {
  ...storeArgs,
  json: { type: "boolean", description: "JSON array of runs, newest first" },
  limit: { type: "string", description: `Show at most N runs (default ${DEFAULT_LIMIT})`, valueHint: "N" },
  all: { type: "boolean", description: "Show every run" },
} as const;

export const definition = defineCommand({
  meta: { name: "ls", description: "List runs, newest first" },
  args,
});

const statusColor: Record<string, "green" | "red" | "yellow" | "cyan"> = {
  ok: "green",
  failed: "red",
  crashed: "red",
  killed: "yellow",
  interrupted: "yellow",
  running: "cyan",
};

const columns: Column<RunSummary>[] = [
  { header: "id", value: (r) => r.short_id, color: (text) => colors().dim(text) },
  { header: "name", value: (r) => r.experiment_name },
  { header: "started", value: (r) => r.started_at },
  { header: "status", value: (r) => r.status, color: (text, r) => {
    const name = statusColor[r.status];
    return name ? colors()[name](text) : text;
  } },
  { header: "exit", value: (r) => (r.exit_code === null ? "" : String(r.exit_code)), align: "right" },
  { header: "duration", value: (r) => (r.duration_ms === null ? "" : `${(r.duration_ms / 1000).toFixed(1)}s`), align: "right" },
  { header: "records", value: (r) => String(r.records), align: "right" },
];

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("ls", argv, args);
  if (parsed.help) return -1;
  if (parsed.positionals.length) throw usageError(`unexpected argument '${parsed.positionals[0]}'`, "see 'exprag ls --help'");
  const { options } = parsed;
  const limit = options.all ? Number.POSITIVE_INFINITY : parseLimit(options.limit as string | undefined);
  const store = resolveStoreDir(options.dir as string | undefined, process.env, process.cwd());
  const runs = listRunSummaries(store, (message) => log.warn(message));
  const shown = runs.slice(0, limit);
  if (shown.length < runs.length) log.info(`showing ${shown.length} of ${runs.length} runs; use --all or --limit N for more`);
  const mode = outputMode(options.json === true);
  printData(mode === "json" ? `${JSON.stringify(shown)}\n` : renderRows(shown, columns, mode));
  return 0;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a positive whole number, got "${text}"`);
  return limit;
}

export default { definition, main } satisfies ExpragCommand;
