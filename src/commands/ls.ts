import type { AnswerContext } from "../core/answers/context";
import { answerListGroups } from "../core/answers/group";
import { answerList, type ListedField, type ListRequest, operandColumns, sortOperand, streamList } from "../core/answers/list";
import { usageError } from "../core/errors";
import { codeId } from "../core/git/code-id";
import { findGoal } from "../core/loop/goal";
import { parseGroupKeys } from "../core/loop/groups";
import { isTerminal } from "../core/os/posix";
import type { ListedRun } from "../core/query/listing";
import { parseLimit, parseSelection } from "../core/query/selection-flags";
import { keyText, parsePath, valuesAt } from "../core/query/value-paths";
import { parseOperand } from "../core/query/where";
import { splitOperandList } from "../core/query/where-tokens";
import { shortId } from "../core/record/refs";
import { colors } from "../render/colors";
import { cellText, formatAgo, formatCommit, formatDuration } from "../render/format";
import { renderGrouping } from "../render/groups";
import { log } from "../render/log";
import { DataStream, printData } from "../render/output";
import { startProgress } from "../render/progress";
import { type Column, outputMode, renderRows } from "../render/table";
import { listArgs, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

const statusColor: Record<string, "green" | "red" | "yellow" | "cyan"> = {
  ok: "green",
  failed: "red",
  crashed: "red",
  killed: "yellow",
  interrupted: "yellow",
  stopped: "yellow",
  timeout: "yellow",
  cancelled: "yellow",
  preempted: "yellow",
  out_of_memory: "red",
  node_fail: "red",
  running: "cyan",
  pending: "cyan",
};

const metricText = (metrics: ListedRun["metrics"]) =>
  Object.entries(metrics)
    .map(([path, value]) => `${path}=${cellText(value)}`)
    .join(" ");

/** Columns by name: the run's own fields. Any other name in --columns is an operand. */
function builtinColumns(forPeople: boolean): Record<ListedField, Column<ListedRun>> {
  return {
    id: { header: "id", value: (r) => r.short_id, color: (text) => colors().dim(text) },
    name: { header: "name", value: (r) => r.experiment_name, flex: true },
    started: { header: "started", value: (r) => (forPeople ? formatAgo(r.started_at) : r.started_at) },
    duration: { header: "duration", value: (r) => formatDuration(r.duration_ms), align: "right" },
    status: {
      header: "status",
      value: (r) => `${r.status}${r.diverged && forPeople ? " (diverged)" : ""}`,
      color: (text, r) => {
        const name = r.diverged ? "yellow" : statusColor[r.status];
        return name ? colors()[name](text) : text;
      },
    },
    exit: { header: "exit", value: (r) => (r.exit_code === null ? "" : String(r.exit_code)), align: "right" },
    commit: { header: "commit", value: (r) => formatCommit(r.commit, r.dirty) },
    code: { header: "code", value: (r) => codeId(r.tree) },
    records: { header: "records", value: (r) => String(r.records), align: "right" },
    tags: { header: "tags", value: (r) => r.tags.join(","), flex: true },
    notes: { header: "notes", value: (r) => r.notes.join(" | "), flex: true },
    decision: { header: "decision", value: (r) => r.decision?.decision ?? "" },
    why: { header: "why", value: (r) => r.why ?? "", flex: true },
    from: { header: "from", value: (r) => (r.from === null ? "" : shortId(r.from)), color: (text) => colors().dim(text) },
    metrics: { header: "metrics", value: (r) => metricText(r.metrics), flex: true },
  };
}

/** The fields every table and TSV listing shows, in order. */
const BASE_FIELDS: ListedField[] = ["id", "name", "started", "duration", "status", "exit", "commit", "code", "records"];

/** A params/meta leaf that differs among the runs, as a column. */
function leafColumn(key: string, header = key): Column<ListedRun> {
  const [source, ...rest] = parsePath(key);
  return {
    header,
    value: (r) => cellText(valuesAt(source && "key" in source && source.key === "params" ? r.params : r.metadata, rest)[0]),
    align: "right",
    flex: true,
  };
}

/** Comma-separated column names (a comma inside parentheses or a `quoted key` belongs to the name). */
function splitColumns(text: string): string[] {
  const names = splitOperandList(text);
  if (names.some((name) => !name)) throw usageError(`--columns expects names separated by commas, got "${text}"`);
  return names;
}

/**
 * The columns at a terminal: every leaf that differs, under its shortest unique name. When the
 * table is wider than the terminal, the columns that matter least go first (records, code, exit,
 * duration, commit, then the leaves from the right, tags and notes, the metrics), and the table
 * says which on stderr.
 */
function tableColumns(runs: ListedRun[], builtin: Record<ListedField, Column<ListedRun>>, leaves: string[]): Column<ListedRun>[] {
  const dropped = (column: Column<ListedRun>, drop: number) => ({ ...column, drop });
  const order: ListedField[] = ["records", "code", "exit", "duration", "commit"];
  return [
    ...BASE_FIELDS.map((name) => (order.includes(name) ? dropped(builtin[name], order.indexOf(name) + 1) : builtin[name])),
    ...(runs.some((r) => r.tags.length) ? [dropped(builtin.tags, 7)] : []),
    ...(runs.some((r) => r.notes.length) ? [dropped(builtin.notes, 7)] : []),
    ...(runs.some((r) => r.decision) ? [builtin.decision] : []),
    ...leaves.map((key) => dropped(leafColumn(key, shortestUnique(key, leaves)), 6)),
    dropped(builtin.metrics, 8),
  ];
}

/** The last segments of a dotted key that no other key ends with: meta.hparams.lr -> lr. */
function shortestUnique(key: string, keys: string[]): string {
  const parts = parsePath(key).map((step) => ("key" in step ? keyText(step.key) : "[]"));
  for (let n = 1; n < parts.length; n++) {
    const suffix = parts.slice(-n).join(".");
    if (keys.every((other) => other === key || !other.endsWith(`.${suffix}`))) return suffix;
  }
  return key;
}

export default defineExpragCommand({
  name: "ls",
  description: "List runs, newest first: status, commit, the params and metadata that differ, last metrics",
  args: {
    runs: { type: "positional", description: "Only these runs (default: every run the selection keeps)", required: false },
    ...selectionArgs,
    columns: {
      type: "string",
      description:
        "Show these columns: id, name, started, duration, status, exit, commit, code, records, tags, notes, decision, why, from, metrics, or any operand (host, params.lr, metrics.acc, max(metrics.acc); a tracked path named as a column is value.NAME); an operand no listed run has is a usage error",
      valueHint: "LIST",
    },
    sort: {
      type: "string",
      description: "Sort by this operand (numbers ascending, missing last), or started, duration or exit; a tracked path of such a name is value.NAME",
      valueHint: "OPERAND",
    },
    desc: { type: "boolean", description: "Sort descending" },
    "group-by": {
      type: "string",
      description:
        "One row per group of runs sharing these keys (params.X, meta.X, name, tags, code): n, and the mean, std, min and max of --sort's operand (else the [goal] metric), ranked by mean",
      valueHint: "KEYS",
    },
    ...listArgs,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag ls
  exprag ls --name baseline --status ok --since 3d
  exprag ls --where 'params.lr < 0.1' --columns 'id,params.lr,max(metrics.acc)' --sort 'max(metrics.acc)' --desc
  exprag ls --all --json | jq '.[] | {short_id, params, metrics}'
  exprag ls --group-by params.lr --sort metrics.acc --desc   # n, mean, std, min, max per lr

A run without run_end is running while the exprag that started it lives, else crashed. A point
of a Slurm sweep is listed from the moment it is submitted: pending while its task waits in the
queue, cancelled (or Slurm's other cause) when Slurm ended it before it started.
commit ends with * when the run's tree was dirty (its code is a snapshot on run/<id>); code is
the first digits of the commit's tree, the same for runs with the same code.

${WHERE_HELP}`,
  run(context) {
    const { args, store, cwd, env, warn } = context;
    const config = () => context.config;
    const limit = parseLimit(args);
    const selection = parseSelection(args, args.runs);
    if (args["group-by"] !== undefined) {
      if (args.columns !== undefined) throw usageError("--group-by shows groups, not --columns: choose one");
      const keys = parseGroupKeys(args["group-by"]);
      const goal = findGoal({}, config);
      const value =
        args.sort !== undefined
          ? { operand: sortOperand(args.sort), direction: args.desc ? ("max" as const) : ("min" as const) }
          : goal && { operand: parseOperand(goal.metric, "[goal] metric"), direction: goal.direction };
      const { data: grouping } = answerListGroups({ selection, keys, value }, { store, cwd, env, warn });
      const mode = outputMode(args.json === true);
      return printData(mode === "json" ? `${JSON.stringify(grouping)}\n` : renderGrouping(grouping, mode));
    }
    const builtin = builtinColumns(outputMode(args.json === true) === "table");
    const names = args.columns === undefined ? null : splitColumns(args.columns);
    const operands = operandColumns(names ?? []);
    const sort = args.sort === undefined ? null : { by: args.sort, descending: args.desc === true };
    const mode = outputMode(args.json === true);
    // The usual `ls --json` is written as it is read (with --where, once its paths are known to exist: else exit 2, nothing printed); a sort or columns need every run first.
    // Named fields, not the whole context: its config is read when asked for, and ls --dir must work beside a broken one.
    if (mode === "json" && !sort && !operands.length) return streamJson({ selection, limit }, { store, cwd, env, warn });
    const progress = startProgress();
    const listing = answerList({ selection, limit, columns: operands, sort }, { store, cwd, env, warn, progress });
    progress.end();
    const { data: runs, total } = listing;
    if (runs.length < total) log.info(`showing ${runs.length} of ${total} runs; use --all or --limit N for more`);
    if (mode === "json") return printData(`${JSON.stringify(runs)}\n`);
    let columns: Column<ListedRun>[];
    if (names) {
      columns = names.map(
        (name) =>
          (Object.hasOwn(builtin, name) ? builtin[name as ListedField] : undefined) ?? {
            header: name,
            value: (r: ListedRun) => {
              const key = parseOperand(name, "--columns").text;
              return cellText(r.columns && Object.hasOwn(r.columns, key) ? r.columns[key] : undefined);
            },
            align: "right" as const,
            flex: true as const,
          },
      );
    } else if (mode === "tsv") {
      columns = [
        ...BASE_FIELDS.map((name) => builtin[name]),
        ...(runs.some((r) => r.tags.length) ? [builtin.tags] : []),
        ...(runs.some((r) => r.notes.length) ? [builtin.notes] : []),
        ...(runs.some((r) => r.decision) ? [builtin.decision] : []),
        ...listing.differing.map((key) => leafColumn(key)),
        builtin.metrics,
      ];
    } else {
      columns = tableColumns(runs, builtin, listing.differing);
    }
    printData(renderRows(runs, columns, mode));
  },
});

/** `ls --json` written run by run: the same bytes as the whole list stringified at once. */
function streamJson(request: Pick<ListRequest, "selection" | "limit">, context: AnswerContext): void {
  const out = new DataStream();
  // A progress line would mix with the runs on a terminal that shows both.
  const progress = startProgress({ terminal: isTerminal(2) && !isTerminal(1) });
  let shown = 0;
  out.write("[");
  const total = streamList(request, { ...context, progress }, (runs) => {
    for (const run of runs) {
      if (shown++) out.write(",");
      out.write(JSON.stringify(run));
    }
  });
  progress.end();
  out.end("]\n");
  if (shown < total) log.info(`showing ${shown} of ${total} runs; use --all or --limit N for more`);
}
