import { answerShow, answerShowSelection } from "../core/answers/show";
import { usageError } from "../core/errors";
import { codeId } from "../core/git/code-id";
import { flatten } from "../core/query/flatten";
import { isFiltered } from "../core/query/selection";
import { parseLimit, parseSelection } from "../core/query/selection-flags";
import { type RunDetails, showObject } from "../core/query/show";
import type { Author } from "../core/record/author";
import { colors } from "../render/colors";
import { visible } from "../render/escape";
import { formatDuration, formatLocalTime, formatNumber } from "../render/format";
import { log } from "../render/log";
import { printData } from "../render/output";
import { sparkline } from "../render/sparkline";
import { type Column, outputMode, renderRows } from "../render/table";
import { listArgs, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

type Metric = RunDetails["metrics"][number];
const stored = (value: number | string) => (typeof value === "number" ? formatNumber(value) : value);

const metricColumns = (forPeople: boolean): Column<Metric>[] => [
  { header: "path", value: (m) => m.path },
  { header: "first", value: (m) => stored(m.first), align: "right" },
  { header: "last", value: (m) => stored(m.last), align: "right" },
  { header: "min", value: (m) => (m.min === null ? "" : formatNumber(m.min)), align: "right" },
  { header: "max", value: (m) => (m.max === null ? "" : formatNumber(m.max)), align: "right" },
  { header: "count", value: (m) => String(m.count), align: "right" },
  ...(forPeople ? [{ header: "trend", value: (m: Metric) => sparkline(m.trend), color: (t: string) => colors().cyan(t) }] : []),
];

/** At a terminal, the packages listed before the rest are counted. */
const SHOWN_PACKAGES = 30;
const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

/** What the run ran with, its system peaks, and where its outputs are listed. */
function environmentLines(o: ReturnType<typeof showObject>): string[] {
  const lines: string[] = [];
  const python = o.environment?.python;
  if (python) {
    const packages = Object.entries(python.packages);
    lines.push(`  python    ${python.version ?? "?"} (${python.kind} ${python.prefix}), ${packages.length} packages`);
    const shown = packages.slice(0, SHOWN_PACKAGES).map(([name, version]) => `${name}==${version}`);
    if (packages.length > SHOWN_PACKAGES) shown.push(`and ${packages.length - SHOWN_PACKAGES} more (--json has them all)`);
    if (packages.length) lines.push(`  packages  ${shown.join(" ")}`);
  }
  for (const gpu of o.environment?.gpus ?? [])
    lines.push(
      `  gpu${gpu.index}      ${gpu.name}${gpu.memory_total_bytes === null ? "" : `, ${megabytes(gpu.memory_total_bytes)}`}${gpu.driver ? `, driver ${gpu.driver}` : ""}${gpu.cuda ? `, CUDA ${gpu.cuda}` : ""}`,
    );
  for (const error of o.environment?.errors ?? []) lines.push(`  env       ${error}`);
  const system = o.system;
  if (system) {
    const gpus = Object.entries(system.gpus ?? {}).map(([name, gpu]) => `, ${name} peak ${megabytes(gpu.peak_memory_used)} mean ${gpu.mean_utilization}%`);
    lines.push(`  system    peak RSS ${megabytes(system.peak_rss_bytes)}, peak CPU ${system.peak_cpu_percent}%${gpus.join("")} (${system.samples} samples)`);
    if (system.gpu_error) lines.push(`            GPUs not sampled: ${system.gpu_error}`);
  }
  if (o.outputs) {
    const found = `${o.outputs.count} file${o.outputs.count === 1 ? "" : "s"}${o.outputs.incomplete ? ", maybe more (the search stopped early)" : ""}`;
    lines.push(`  outputs   ${found}: exprag outputs ${o.short_id}`);
  }
  return lines;
}

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
  if (o.stopped_by) {
    const by = o.stopped_by;
    lines.push(
      `  stopped   by ${by.rule}${by.source ? ` at ${by.source}` : ""}${by.step === null ? "" : `, step ${by.step}`}, ${formatDuration(by.elapsed_ms)} in`,
    );
  }
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
  lines.push(...environmentLines(o));
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
  description: "Everything about a run: status, command, code, metadata, host, resources, notes, metrics; or about each run of a selection",
  args: {
    runs: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N (several: each of them)", required: false },
    ...selectionArgs,
    ...listArgs,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag show latest
  exprag show 3f9c2a1b --json | jq .metrics
  exprag show --where 'notes ~ "*OOM*"' --json      # every run whose notes say OOM, in full

Metrics: for every numeric path of the run's track records, its first, last, min and max
(infinities counted, NaN left out) and count. metadata merges --meta with every $meta record.
One run named: its object (--json); several, or a selection: a list of them, newest first.

${WHERE_HELP}`,
  run(context) {
    const { args } = context;
    const selection = parseSelection(args, args.runs);
    const one = args.runs.length === 1 && !isFiltered(selection);
    if (!args.runs.length && !isFiltered(selection))
      throw usageError("exprag show needs <run>, or a selection", "e.g. exprag show latest, or exprag show --tag best");
    const mode = outputMode(args.json === true);
    const answer = one ? answerShow({ run: args.runs[0]! }, context) : answerShowSelection({ selection, limit: parseLimit(args) }, context);
    const all = [answer.details].flat();
    if ("total" in answer && all.length < answer.total) log.info(`showing ${all.length} of ${answer.total} runs; use --all or --limit N for more`);
    if (mode === "json") return printData(`${JSON.stringify(answer.data)}\n`);
    if (mode === "table") return printData(all.map(forPeople).join("\n"));
    const rows = all.flatMap((d) => keyValueRows(d).map((row) => ({ ...row, run: d.summary.short_id })));
    printData(
      renderRows(
        rows,
        [
          ...(one ? [] : [{ header: "run", value: (r: (typeof rows)[number]) => r.run }]),
          { header: "key", value: (r) => r.key },
          { header: "value", value: (r) => r.value },
        ],
        "tsv",
      ),
    );
  },
});

function keyValueRows(details: RunDetails): { key: string; value: string }[] {
  const { metrics, ...rest } = showObject(details);
  const rows = flatten(rest).map(([key, value]) => ({ key, value }));
  for (const m of details.metrics) {
    for (const field of ["first", "last", "min", "max", "count"] as const) rows.push({ key: `stats.${m.path}.${field}`, value: String(m[field] ?? "") });
  }
  return rows;
}
