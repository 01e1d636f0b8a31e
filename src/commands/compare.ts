import { answerCompare } from "../core/answers/compare";
import { codeId } from "../core/git/code-id";
import type { CodeSize } from "../core/git/code-size";
import { parseLimit, parseSelection } from "../core/query/selection-flags";
import { asNumber } from "../core/query/value-paths";
import { formatCommit, formatDuration, formatNumber } from "../render/format";
import { log } from "../render/log";
import { printData } from "../render/output";
import { outputMode, renderRows } from "../render/table";
import { listArgs, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

const cell = (value: unknown) => {
  const number = asNumber(value);
  if (value === undefined) return "";
  if (number !== null) return formatNumber(number);
  return typeof value === "string" ? value : JSON.stringify(value);
};

/** "2 files +12 -3", or why there is no count. */
function sizeText(size: CodeSize | null): string {
  if (!size) return "not in this repository";
  const binary = size.binary ? ` (${size.binary} binary)` : "";
  return `${size.files} file${size.files === 1 ? "" : "s"} +${size.added} -${size.deleted}${binary}`;
}

export default defineExpragCommand({
  name: "compare",
  description: "Runs side by side: the params, metadata and command words that differ, how much the code differs, final metrics, status",
  args: {
    runs: { type: "positional", description: "The runs (default: every run the selection keeps, newest first)", required: false },
    ...selectionArgs,
    ...listArgs,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag compare latest~1 latest
  exprag compare 3f9c2a1b 8d01e4c7 --json
  exprag compare --tag sweep:3f9c2a1b --status ok
  exprag compare --limit 3                       # the three latest runs

${WHERE_HELP}`,
  run(context) {
    const { args } = context;
    const selection = parseSelection(args, args.runs);
    const { data: comparison, total } = answerCompare(
      {
        selection,
        limit: parseLimit(args),
        // --all and --limit N select too: every run, or the latest N.
        limited: args.all === true || args.limit !== undefined,
        example: "e.g. exprag compare latest~1 latest, exprag compare --tag sweep:3f9c2a1b, or exprag compare --limit 3",
      },
      context,
    );
    if (comparison.runs.length < total) log.info(`comparing ${comparison.runs.length} of ${total} runs; use --all or --limit N for more`);
    const mode = outputMode(args.json === true);
    if (mode === "json") return printData(`${JSON.stringify(comparison)}\n`);
    const { runs, params, command_words, metadata, environment, metrics, code_changes } = comparison;
    const changes = runs.map((run) => code_changes.find((change) => change.run_id === run.run_id));
    const rows: { field: string; values: string[] }[] = [
      { field: "name", values: runs.map((r) => r.experiment_name) },
      { field: "status", values: runs.map((r) => `${r.status}${r.exit_code === null ? "" : ` (${r.exit_code})`}`) },
      { field: "duration", values: runs.map((r) => formatDuration(r.duration_ms)) },
      { field: "commit", values: runs.map((r) => formatCommit(r.commit, r.dirty, 12)) },
      { field: "code", values: runs.map((r) => codeId(r.tree)) },
      ...(code_changes.length ? [{ field: "code changes", values: changes.map((change) => (change ? sizeText(change.size) : "")) }] : []),
      ...Object.entries(params).map(([key, values]) => ({ field: `param ${key}`, values: values.map(cell) })),
      ...(command_words.some((words) => words.length) ? [{ field: "command", values: command_words.map((words) => words.join(" ")) }] : []),
      ...Object.entries(metadata).map(([key, values]) => ({ field: `meta ${key}`, values: values.map(cell) })),
      ...Object.entries(environment).map(([key, values]) => ({ field: `env ${key}`, values: values.map(cell) })),
      ...Object.entries(metrics).map(([path, values]) => ({ field: `last ${path}`, values: values.map(cell) })),
      ...code_changes.map((change) => ({ field: "diff", values: runs.map((_, i) => (i === 0 ? change.diff : "")) })),
    ];
    const ids = runs.map((r) => r.short_id);
    printData(
      renderRows(
        rows,
        [
          { header: "", value: (r) => r.field },
          ...ids.map((id, i) => ({ header: id, value: (r: (typeof rows)[number]) => r.values[i] ?? "", flex: true as const, drop: i === 0 ? undefined : 1 })),
        ],
        mode,
      ),
    );
  },
});
