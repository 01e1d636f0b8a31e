import { defineCommand } from "citty";
import { usageError } from "../core/errors";
import { listRuns, parseSince, RUN_STATES, type RunState, type RunSummary } from "../core/query/summary";
import { resolveStoreDir } from "../core/store";
import { asNumber, formatNumber } from "../core/query/value-paths";
import { log } from "../log";
import { colors } from "../render/colors";
import { formatCommit, formatDuration } from "../render/format";
import { type Column, outputMode, printData, renderRows } from "../render/table";
import { listOptions, parseCommandLine, parseLimit, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  name: { type: "string", description: "Only runs whose name contains TEXT (any case)", valueHint: "TEXT" },
  status: { type: "enum", options: RUN_STATES, description: "Only runs in this state" },
  since: { type: "string", description: "Only runs started since: 90m, 2h, 3d, 2w, or a date", valueHint: "WHEN" },
  ...listOptions,
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "ls", description: "List runs, newest first, with their status, commit and last metrics" },
  args,
});

const examples = `EXAMPLES

  exprag ls
  exprag ls --name baseline --status ok --since 3d
  exprag ls --all --json | jq '.[] | {short_id, metrics}'

A run without run_end is running while the exprag that started it lives, else crashed.
commit ends with * when the run's tree was dirty (its code is a snapshot on run/<id>).`;

const statusColor: Record<string, "green" | "red" | "yellow" | "cyan"> = {
  ok: "green",
  failed: "red",
  crashed: "red",
  killed: "yellow",
  interrupted: "yellow",
  running: "cyan",
};

const metricText = (metrics: RunSummary["metrics"], limit: number) =>
  Object.entries(metrics)
    .slice(0, limit)
    .map(([path, value]) => `${path}=${formatNumber(asNumber(value)!)}`)
    .join(" ");

function columns(forPeople: boolean): Column<RunSummary>[] {
  return [
    { header: "id", value: (r) => r.short_id, color: (text) => colors().dim(text) },
    { header: "name", value: (r) => r.experiment_name },
    { header: "started", value: (r) => (forPeople ? r.started_at.replace("T", " ").slice(0, 19) : r.started_at) },
    { header: "duration", value: (r) => formatDuration(r.duration_ms), align: "right" },
    {
      header: "status",
      value: (r) => r.status,
      color: (text, r) => {
        const name = statusColor[r.status];
        return name ? colors()[name](text) : text;
      },
    },
    { header: "exit", value: (r) => (r.exit_code === null ? "" : String(r.exit_code)), align: "right" },
    { header: "commit", value: (r) => formatCommit(r.commit, r.dirty) },
    { header: "records", value: (r) => String(r.records), align: "right" },
    { header: "metrics", value: (r) => metricText(r.metrics, forPeople ? 3 : Number.POSITIVE_INFINITY) },
  ];
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("ls", argv, args);
  if (parsed.help) return -1;
  if (parsed.positionals.length) throw usageError(`unexpected argument '${parsed.positionals[0]}'`, "see 'exprag ls --help'");
  const { options } = parsed;
  const limit = parseLimit(options);
  const filter = {
    name: options.name as string | undefined,
    status: options.status as RunState | undefined,
    since: options.since === undefined ? undefined : parseSince(options.since as string),
  };
  const store = resolveStoreDir(options.dir as string | undefined, process.env, process.cwd());
  const { runs, total } = listRuns(store, filter, limit, (message) => log.warn(message));
  if (runs.length < total) log.info(`showing ${runs.length} of ${total} runs; use --all or --limit N for more`);
  const mode = outputMode(options.json === true);
  printData(mode === "json" ? `${JSON.stringify(runs)}\n` : renderRows(runs, columns(mode === "table"), mode));
  return 0;
}

export default { definition, main, examples } satisfies ExpragCommand;
