import { defineCommand } from "citty";
import { usageError } from "../core/errors";
import { readRunDetails, type RunDetails } from "../core/query/details";
import { resolveStoreDir } from "../core/store";
import { formatNumber } from "../core/query/value-paths";
import { log } from "../log";
import { colors } from "../render/colors";
import { flatten } from "../render/fields";
import { sparkline } from "../render/sparkline";
import { type Column, outputMode, printData, renderRows } from "../render/table";
import { formatDuration } from "../render/format";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  run: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N" },
  json: { type: "boolean", description: "One JSON object" },
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "show", description: "Everything about one run: status, command, code, metadata, host, resources, notes, metrics" },
  args,
});

const examples = `EXAMPLES

  exprag show latest
  exprag show 3f9c2a1b --json | jq .metrics

Metrics: for every numeric path of the run's track records, its first, last, min and max
(over finite values) and count. metadata merges --meta with every $meta record.`;

/** The JSON shape of `show` (fields are only ever added). */
export function showObject(d: RunDetails) {
  const git = d.start.git as Record<string, unknown> | undefined;
  const process_ = (d.start.process ?? {}) as Record<string, unknown>;
  return {
    ...d.summary,
    signal: d.end?.signal ?? null,
    command: process_.argv ?? null,
    cwd: process_.cwd ?? null,
    git: git ? { ...git, restore: typeof git.commit === "string" ? `exprag checkout ${d.summary.short_id} --worktree <dir>` : null } : null,
    metadata: d.metadata,
    host: d.start.host ?? null,
    resources: d.end?.resources ?? null,
    counts: d.end?.counts ?? null,
    error: d.end?.error ?? null,
    parent_run_id: d.start.parent_run_id ?? null,
    agent: d.start.agent ?? null,
    notes: d.notes,
    metrics: d.metrics.map(({ trend, ...stats }) => stats),
    log: d.log,
  };
}

const metricColumns = (forPeople: boolean): Column<RunDetails["metrics"][number]>[] => [
  { header: "path", value: (m) => m.path },
  { header: "first", value: (m) => show(m.first), align: "right" },
  { header: "last", value: (m) => show(m.last), align: "right" },
  { header: "min", value: (m) => (m.min === null ? "" : formatNumber(m.min)), align: "right" },
  { header: "max", value: (m) => (m.max === null ? "" : formatNumber(m.max)), align: "right" },
  { header: "count", value: (m) => String(m.count), align: "right" },
  ...(forPeople ? [{ header: "trend", value: (m: RunDetails["metrics"][number]) => sparkline(m.trend), color: (t: string) => colors().cyan(t) }] : []),
];

const show = (value: number | string) => (typeof value === "number" ? formatNumber(value) : value);

function forPeople(d: RunDetails): string {
  const o = showObject(d);
  const c = colors();
  const lines = [
    `${c.bold(`run ${o.short_id}`)}  ${o.experiment_name}  ${o.status}${o.exit_code === null ? "" : ` (exit ${o.exit_code}${o.signal ? `, ${o.signal}` : ""})`}  ${formatDuration(o.duration_ms)}`,
    `  id        ${o.run_id}`,
    `  started   ${o.started_at}`,
    `  command   ${Array.isArray(o.command) ? o.command.join(" ") : ""}`,
    `  cwd       ${o.cwd ?? ""}`,
  ];
  if (o.error) lines.push(`  error     ${o.error}`);
  const git = o.git as Record<string, unknown> | null;
  if (git) {
    lines.push(`  code      ${git.commit ?? "(none)"}${git.dirty ? ` (dirty: snapshot on ${git.branch})` : git.branch ? ` on ${git.branch}` : ""}`);
    if (git.note) lines.push(`            ${git.note}`);
    for (const skipped of (git.skipped as { path: string; reason: string }[] | undefined) ?? []) lines.push(`            left out: ${skipped.path} (${skipped.reason})`);
    if (git.restore) lines.push(`  restore   ${git.restore}`);
  }
  for (const [key, value] of flatten(o.metadata)) if (key) lines.push(`  meta      ${key} = ${value}`);
  const host = (o.host ?? {}) as Record<string, unknown>;
  lines.push(`  host      ${host.hostname ?? ""} ${host.os ?? ""}/${host.arch ?? ""}, ${host.cpu_count ?? "?"} CPUs`);
  const resources = o.resources as { max_rss_bytes: number; cpu_user_ms: number; cpu_system_ms: number } | null;
  if (resources) lines.push(`  resources max RSS ${(resources.max_rss_bytes / 1048576).toFixed(0)} MB, CPU ${((resources.cpu_user_ms + resources.cpu_system_ms) / 1000).toFixed(1)} s`);
  for (const note of o.notes) lines.push(`  note      ${note.note}  (${note.kind}, ${(note.elapsed_ms / 1000).toFixed(1)}s)`);
  if (o.log) lines.push(`  log       exprag log ${o.short_id}`);
  const table = d.metrics.length ? `\n${renderRows(d.metrics, metricColumns(true), "table")}` : "";
  return `${lines.join("\n")}\n${table}`;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("show", argv, args);
  if (parsed.help) return -1;
  const [reference, ...extra] = parsed.positionals;
  if (!reference || extra.length) throw usageError("show takes one run", "usage: exprag show <run> [--json]");
  const store = resolveStoreDir(parsed.options.dir as string | undefined, process.env, process.cwd());
  const details = readRunDetails(store, reference, (message) => log.warn(message));
  const mode = outputMode(parsed.options.json === true);
  if (mode === "json") printData(`${JSON.stringify(showObject(details))}\n`);
  else if (mode === "table") printData(forPeople(details));
  else {
    const { metrics, ...rest } = showObject(details);
    const rows = flatten(rest).map(([key, value]) => ({ key, value }));
    for (const m of details.metrics) {
      for (const field of ["first", "last", "min", "max", "count"] as const) rows.push({ key: `stats.${m.path}.${field}`, value: String(m[field] ?? "") });
    }
    printData(renderRows(rows, [{ header: "key", value: (r) => r.key }, { header: "value", value: (r) => r.value }], "tsv"));
  }
  return 0;
}

export default { definition, main, examples } satisfies ExpragCommand;
