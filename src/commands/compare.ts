import { defineCommand } from "citty";
import { usageError } from "../core/errors";
import { readRunDetails } from "../core/query/details";
import { resolveStoreDir } from "../core/store";
import { asNumber, formatNumber } from "../core/query/value-paths";
import { log } from "../log";
import { flattenValues } from "../render/fields";
import { outputMode, printData, renderRows } from "../render/table";
import { formatCommit, formatDuration } from "../render/format";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  runs: { type: "positional", description: "Two or more runs" },
  json: { type: "boolean", description: "One JSON object" },
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "compare", description: "Runs side by side: metadata that differs, final metrics, status, duration, code" },
  args,
});

const examples = `EXAMPLES

  exprag compare latest~1 latest
  exprag compare 3f9c2a1b 8d01e4c7 --json`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("compare", argv, args);
  if (parsed.help) return -1;
  if (parsed.positionals.length < 2) throw usageError("compare needs at least two runs", "usage: exprag compare <run> <run> [...]");
  const store = resolveStoreDir(parsed.options.dir as string | undefined, process.env, process.cwd());
  const details = parsed.positionals.map((reference) => readRunDetails(store, reference, (message) => log.warn(message)));
  const runs = details.map(({ summary: s, end }) => ({
    run_id: s.run_id,
    short_id: s.short_id,
    experiment_name: s.experiment_name,
    status: s.status,
    exit_code: s.exit_code,
    duration_ms: s.duration_ms,
    commit: s.commit,
    dirty: s.dirty,
    started_at: s.started_at,
    signal: end?.signal ?? null,
  }));
  const metadata = differing(details.map((d) => Object.fromEntries(flattenValues(d.metadata).filter(([key]) => key))));
  const metrics = union(details.map((d) => Object.fromEntries(d.metrics.map((m) => [m.path, m.last]))));
  const ids = runs.map((r) => r.short_id);
  const code = ids.slice(1).map((id) => `exprag diff ${ids[0]} ${id}`);
  const mode = outputMode(parsed.options.json === true);
  if (mode === "json") return printData(`${JSON.stringify({ runs, metadata, metrics, code })}\n`), 0;
  const cell = (value: unknown) => (value === undefined ? "" : asNumber(value) !== null ? formatNumber(asNumber(value)!) : typeof value === "string" ? value : JSON.stringify(value));
  const rows: { field: string; values: string[] }[] = [
    { field: "name", values: runs.map((r) => r.experiment_name) },
    { field: "status", values: runs.map((r) => `${r.status}${r.exit_code === null ? "" : ` (${r.exit_code})`}`) },
    { field: "duration", values: runs.map((r) => formatDuration(r.duration_ms)) },
    { field: "commit", values: runs.map((r) => formatCommit(r.commit, r.dirty, 12)) },
    ...Object.entries(metadata).map(([key, values]) => ({ field: `meta ${key}`, values: values.map(cell) })),
    ...Object.entries(metrics).map(([path, values]) => ({ field: `last ${path}`, values: values.map(cell) })),
    ...code.map((command) => ({ field: "code", values: runs.map((_, i) => (i === 0 ? command : "")) })),
  ];
  printData(renderRows(rows, [{ header: "", value: (r) => r.field }, ...ids.map((id, i) => ({ header: id, value: (r: (typeof rows)[number]) => r.values[i] ?? "" }))], mode));
  return 0;
}

/** Keys whose values are not the same in every run (null where a run lacks the key). */
function differing(maps: Record<string, unknown>[]): Record<string, unknown[]> {
  const keys = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
  return Object.fromEntries(
    keys.map((key) => [key, maps.map((m) => m[key] ?? null)] as const).filter(([, values]) => new Set(values.map((v) => JSON.stringify(v))).size > 1),
  );
}

function union(maps: Record<string, unknown>[]): Record<string, unknown[]> {
  const keys = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
  return Object.fromEntries(keys.map((key) => [key, maps.map((m) => m[key] ?? null)]));
}

export default { definition, main, examples } satisfies ExpragCommand;
