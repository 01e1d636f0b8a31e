import { answerShow } from "../core/answers/show";
import { codeId } from "../core/git/code-id";
import { flatten } from "../core/query/flatten";
import { type RunDetails, showObject } from "../core/query/show";
import type { Author } from "../core/record/author";
import { colors } from "../render/colors";
import { visible } from "../render/escape";
import { formatDuration, formatLocalTime, formatNumber } from "../render/format";
import { printData } from "../render/output";
import { sparkline } from "../render/sparkline";
import { type Column, outputMode, renderRows } from "../render/table";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

type Metric = RunDetails["metrics"][number];
const stored = (value: number | string) => (typeof value === "number" ? formatNumber(value) : value);

const metricColumns = (forPeople: boolean): Column<Metric>[] => [
  { header: "path", value: (m) => m.path, flex: true },
  { header: "first", value: (m) => stored(m.first), align: "right" },
  { header: "last", value: (m) => stored(m.last), align: "right" },
  { header: "min", value: (m) => (m.min === null ? "" : formatNumber(m.min)), align: "right" },
  { header: "max", value: (m) => (m.max === null ? "" : formatNumber(m.max)), align: "right" },
  { header: "count", value: (m) => String(m.count), align: "right" },
  ...(forPeople ? [{ header: "trend", value: (m: Metric) => sparkline(m.trend), color: (t: string) => colors().cyan(t) }] : []),
];

const authorText = (author: Author | null | undefined) => (author ? `${author.name}${author.kind === "agent" ? " (agent)" : ""}` : "?");

function forPeople(d: RunDetails): string {
  const o = showObject(d);
  const lines = [
    `  ${o.experiment_name}  ${o.status}${o.exit_code === null ? "" : ` (exit ${o.exit_code}${o.signal ? `, ${o.signal}` : ""})`}  ${formatDuration(o.duration_ms)}`,
    `  id        ${o.run_id}`,
    `  started   ${formatLocalTime(o.started_at)}`,
    `  command   ${o.command ? o.command.join(" ") : ""}`,
    `  cwd       ${o.cwd ?? ""}`,
  ];
  if (o.error) lines.push(`  error     ${o.error}`);
  if (o.rerun_of) lines.push(`  rerun of  ${o.rerun_of}`);
  if (o.why) lines.push(`  why       ${o.why}`);
  if (o.from) lines.push(`  from      ${o.from}`);
  for (const decision of o.decisions) {
    const current = decision === o.decision;
    const text = `${decision.decision}${decision.because ? `: ${decision.because}` : ""}  (${formatLocalTime(decision.created_at)}, ${authorText(decision.author)}${current ? "" : ", replaced"})`;
    lines.push(`  decision  ${text}`);
  }
  for (const [key, value] of flatten(o.scheduler)) if (key) lines.push(`  scheduler ${key} = ${value}`);
  for (const [key, value] of flatten(o.devices)) if (key) lines.push(`  devices   ${key} = ${value}`);
  if (o.diverged)
    lines.push(`  diverged  ${o.diverged.path} became non-finite${o.diverged.step === null ? "" : ` at step ${o.diverged.step}`} (${o.diverged.source})`);
  const git = o.git;
  if (git) {
    lines.push(`  code      ${git.commit ?? "(none)"}${git.dirty ? ` (dirty: snapshot on ${git.branch})` : git.branch ? ` on ${git.branch}` : ""}`);
    if (o.tree) lines.push(`            tree ${codeId(o.tree)} (runs with the same code share it)`);
    if (git.note) lines.push(`            ${git.note}`);
    for (const skipped of git.skipped) lines.push(`            left out: ${skipped.path} (${skipped.reason})`);
    if (git.restore) lines.push(`  restore   ${git.restore}`);
  }
  for (const [key, value] of flatten(o.params)) if (key) lines.push(`  param     ${key} = ${value}`);
  for (const [key, value] of flatten(o.metadata)) if (key) lines.push(`  meta      ${key} = ${value}`);
  const host = o.host ?? {};
  lines.push(`  host      ${host.hostname ?? ""} ${host.os ?? ""}/${host.arch ?? ""}, ${host.cpu_count ?? "?"} CPUs`);
  const resources = o.resources;
  if (resources)
    lines.push(
      `  resources max RSS ${(resources.max_rss_bytes / 1048576).toFixed(0)} MB, CPU ${((resources.cpu_user_ms + resources.cpu_system_ms) / 1000).toFixed(1)} s`,
    );
  if (o.tags.length) lines.push(`  tags      ${o.tags.join(" ")}`);
  for (const note of o.notes) {
    const when =
      note.elapsed_ms === null ? `${formatLocalTime(note.created_at)}, ${authorText(note.author)}` : `${note.kind}, ${(note.elapsed_ms / 1000).toFixed(1)}s`;
    lines.push(`  note      ${note.note}  (${when})`);
  }
  if (o.log) lines.push(`  log       exprag log ${o.short_id}`);
  const table = d.metrics.length ? `\n${renderRows(d.metrics, metricColumns(true), "table")}` : "";
  // Everything but the header's run id is text some script or store file wrote.
  const [first, ...rest] = lines.map(visible);
  return `${[`${colors().bold(`run ${o.short_id}`)}${first}`, ...rest].join("\n")}\n${table}`;
}

export default defineExpragCommand({
  name: "show",
  description: "Everything about one run: status, command, code, metadata, host, resources, notes, metrics",
  args: {
    run: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N" },
    ...jsonArg,
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag show latest
  exprag show 3f9c2a1b --json | jq .metrics

Metrics: for every numeric path of the run's track records, its first, last, min and max
(over finite values) and count. metadata merges --meta with every $meta record.`,
  run(context) {
    const { data, details } = answerShow({ run: context.args.run }, context);
    const mode = outputMode(context.args.json === true);
    if (mode === "json") return printData(`${JSON.stringify(data)}\n`);
    if (mode === "table") return printData(forPeople(details));
    const { metrics, ...rest } = data;
    const rows = flatten(rest).map(([key, value]) => ({ key, value }));
    for (const m of details.metrics) {
      for (const field of ["first", "last", "min", "max", "count"] as const) rows.push({ key: `stats.${m.path}.${field}`, value: String(m[field] ?? "") });
    }
    printData(
      renderRows(
        rows,
        [
          { header: "key", value: (r) => r.key },
          { header: "value", value: (r) => r.value },
        ],
        "tsv",
      ),
    );
  },
});
