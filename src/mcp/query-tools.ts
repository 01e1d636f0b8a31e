/**
 * The tools that answer questions about runs, one per query command, each calling the core
 * function the command calls and answering with the command's --json: list_runs (ls), show_run
 * (show), value_paths (paths), series (values), best_runs (best), compare_runs (compare),
 * run_outputs (outputs).
 */
import { z } from "zod";
import { answerBest } from "../core/answers/best";
import { answerCompare } from "../core/answers/compare";
import { answerList } from "../core/answers/list";
import { answerOutputs } from "../core/answers/outputs";
import { answerPaths } from "../core/answers/paths";
import { answerSeries } from "../core/answers/series";
import { answerShow } from "../core/answers/show";
import { AGGREGATES, type Aggregate } from "../core/query/best";
import { lacksNote } from "../core/query/outputs";
import { listInput, runInput, selectionInput, toLimit, toSelection } from "./inputs";
import type { ToolSpec } from "./tool";

const counted = (shown: number, total: number, what: string) =>
  shown < total ? `${shown} of ${total} ${what} (pass limit or all: true for more)` : `${total} ${what}`;

const listRunsInput = {
  ...selectionInput,
  columns: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "Operands to add to each run's columns: params.lr, meta.seed, metrics.acc (its last value), max(metrics.acc), duration_ms (the names of `exprag ls --columns` for a run's own fields, such as id or status, add nothing: every run has them; a tracked path of such a name is value.NAME)",
    ),
  sort: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Sort by this operand (numbers ascending, missing last), e.g. max(metrics.acc), started_at (or started), duration_ms (or duration), exit_code (or exit); a tracked path of such a name is value.NAME",
    ),
  desc: z.boolean().optional().describe("Sort descending"),
  ...listInput,
};

const listRunsTool: ToolSpec<typeof listRunsInput> = {
  name: "list_runs",
  title: "List runs",
  description:
    "List recorded runs, newest first: id, name, start, duration, status, exit code, commit (dirty or not), record counts, tags, params, " +
    "metadata and the last value of every metric. Same answer as `exprag ls --json`. Narrow it with the selection (name, status, " +
    "since, until, tags, where); add operand columns such as max(metrics.acc); sort by an operand. Start here to find runs.",
  input: listRunsInput,
  effect: "reads",
  listKey: "runs",
  answer(input, context) {
    const sort = input.sort === undefined ? null : { by: input.sort, descending: input.desc === true };
    const { data: runs, total } = answerList({ selection: toSelection(input), limit: toLimit(input), columns: input.columns ?? [], sort }, context);
    const lines = runs.slice(0, 10).map((r) => `${r.short_id}  ${r.experiment_name}  ${r.status}  ${r.started_at}`);
    if (runs.length > 10) lines.push(`... and ${runs.length - 10} more in the JSON`);
    return { data: runs, summary: [`${counted(runs.length, total, "runs")}${sort ? "" : ", newest first"}`, ...lines] };
  },
};

const showRunInput = { run: runInput() };
const showRunTool: ToolSpec<typeof showRunInput> = {
  name: "show_run",
  title: "Show a run",
  description:
    "Everything about one run: status, exit code, signal, command line, working directory, its code (commit, branch, dirty, snapshot, " +
    "files left out, how to restore it), metadata, host, resources, parent run, agent, tags, notes, and per metric its first, last, " +
    "min, max and count. Same answer as `exprag show <run> --json`.",
  input: showRunInput,
  effect: "reads",
  answer({ run }, context) {
    const { data: shown } = answerShow({ run }, context);
    const metrics = shown.metrics.slice(0, 8).map((m) => `${m.path} last ${m.last} (min ${m.min ?? "-"}, max ${m.max ?? "-"}, ${m.count} points)`);
    const lines = [
      `run ${shown.short_id} ${shown.experiment_name}: ${shown.status}${shown.exit_code === null ? "" : ` (exit ${shown.exit_code})`}, started ${shown.started_at}`,
      `code: ${shown.git?.commit ?? "none recorded"}${shown.git?.snapshot_ref ? ` (a snapshot of a dirty tree, on ${shown.git.snapshot_ref})` : shown.dirty ? " (dirty, not snapshotted)" : ""}`,
      ...metrics,
    ];
    if (shown.metrics.length > 8) lines.push(`... and ${shown.metrics.length - 8} more metrics in the JSON`);
    if (shown.notes.length) lines.push(`${shown.notes.length} note${shown.notes.length === 1 ? "" : "s"}`);
    return { data: shown, summary: lines };
  },
};

const valuePathsInput = {
  ...selectionInput,
  contains: z.string().min(1).optional().describe("Only paths containing this text (any case)"),
  numeric: z.boolean().optional().describe("Only paths whose values are all numbers"),
};
const valuePathsTool: ToolSpec<typeof valuePathsInput> = {
  name: "value_paths",
  title: "Value paths",
  description:
    "The value paths the selected runs hold, with counts, types and examples: tracked paths (metrics.acc; list elements as [], " +
    "layers[].loss), usable in where, columns, series and best_runs; and params.* (the command line) and meta.* (metadata), one value " +
    "per run, usable in where and columns. Same answer as `exprag paths --json`. Call it before series, best_runs or a where expression to learn the names.",
  input: valuePathsInput,
  effect: "reads",
  listKey: "paths",
  answer(input, context) {
    const { data: paths, runs } = answerPaths({ selection: toSelection(input), contains: input.contains, numeric: input.numeric }, context);
    const names = paths.slice(0, 30).map((p) => p.path);
    return {
      data: paths,
      summary: `${paths.length} paths in ${runs} runs${names.length ? `: ${names.join(", ")}${paths.length > names.length ? ", ..." : ""}` : ""}`,
    };
  },
};

const seriesInput = {
  path: z.string().min(1).describe("A value path: metrics.loss, layers[].loss (a leading value. is fine); one naming an object gives the whole object"),
  ...selectionInput,
  last: z.number().int().min(1).optional().describe("Only the last N points of each run"),
  ...listInput,
};
const seriesTool: ToolSpec<typeof seriesInput> = {
  name: "series",
  title: "Series of a value",
  description:
    "The series of one value path, oldest first: per point its run, step, elapsed_ms, created_at, value, and source (file:line in the " +
    "run file, to cite). Default: the latest run; with runs or a selection, each of those (oldest run first unless runs are named). " +
    "limit (default 20) caps the whole answer, keeping its newest points; last keeps the last N of each run. Same answer as " +
    "`exprag values <path> --json`.",
  input: seriesInput,
  effect: "reads",
  listKey: "points",
  answer(input, context) {
    const request = { path: input.path, selection: toSelection(input), lastPerRun: input.last ?? Number.POSITIVE_INFINITY, cap: toLimit(input) };
    const { data: points, kept, runs } = answerSeries(request, context);
    const shown = points.slice(-10).map((p) => `${p.short_id} step ${p.step ?? "-"}: ${JSON.stringify(p.value)}`);
    const head = points.length < kept ? `the newest ${points.length} of ${kept} points` : `${points.length} points`;
    return {
      data: points,
      summary: [`${head} of ${input.path} in ${runs} run${runs === 1 ? "" : "s"}${points.length > 10 ? "; the last 10:" : ""}`, ...shown],
    };
  },
};

const bestRunsInput = {
  path: z.string().min(1).optional().describe("The metric's value path, e.g. metrics.acc (default: the project's [goal] metric in .exprag.toml)"),
  direction: z
    .enum(["max", "min"])
    .optional()
    .describe(
      "max: higher is better; min: lower is better. Default: the project goal's for its metric, else min for paths that look like a loss or an error (loss, err, perplexity, time), else max",
    ),
  agg: z
    .enum(AGGREGATES as [Aggregate, ...Aggregate[]])
    .optional()
    .describe("One number per run: its last value (default), or max, min, mean"),
  explain: z
    .boolean()
    .optional()
    .describe("Instead of the ranking, how it was made: {rule, ranked, left_out (runs without the value), caveats (NaN, infinite, not ok, diverged)}"),
  ...selectionInput,
  ...listInput,
};
const bestRunsTool: ToolSpec<typeof bestRunsInput> = {
  name: "best_runs",
  title: "Best runs",
  description:
    "The selected runs ranked by one metric (its last value, or max, min or mean per run), best first, each with rank, value, points_used, " +
    "status, commit and params. NaN and infinite values rank after every finite one; runs that never reported the metric are left " +
    "out (the summary counts them). Same answer as `exprag best <path> --json`.",
  input: bestRunsInput,
  effect: "reads",
  listKey: "runs",
  answer(input, context) {
    const agg = input.agg ?? "last";
    const asked = { command: "best_runs", how: "give path, e.g. metrics.acc" };
    const request = { path: input.path, asked, direction: input.direction ?? null, agg, selection: toSelection(input), limit: toLimit(input) };
    const { data: shown, ranked, missing, path, direction, guessed, explanation } = answerBest(request, context);
    if (input.explain) {
      const summary = [`${explanation.ranked} runs ranked by ${agg}(${path}), ${direction === "min" ? "lowest" : "highest"} first`];
      summary.push(`${explanation.left_out.length} left out, ${explanation.caveats.length} to doubt`);
      return { data: explanation, summary };
    }
    const lines = [
      `${counted(shown.length, ranked, "runs")} ranked by ${agg}(${path}), ${direction === "min" ? "lowest" : "highest"} first${guessed ? " (guessed from the path; pass direction to choose)" : ""}`,
      ...shown.slice(0, 10).map((r) => `#${r.rank} ${r.short_id} ${r.experiment_name}: ${r.value}`),
    ];
    if (missing.length) lines.push(`${missing.length} run${missing.length === 1 ? "" : "s"} never reported ${path}`);
    return { data: shown, summary: lines };
  },
};

const compareRunsInput = { ...selectionInput, ...listInput };
const compareRunsTool: ToolSpec<typeof compareRunsInput> = {
  name: "compare_runs",
  title: "Compare runs",
  description:
    "Two or more runs side by side: the params, metadata and command-line words that differ, the last value of every metric, " +
    "status, duration, commit, and for each run whose code differs from the first's how much (files, lines added and deleted) and the diff to look at. Give runs (two or more), or a selection (its runs, newest first, up to limit). Same answer as " +
    "`exprag compare --json`. Use diff_runs for how their code differs.",
  input: compareRunsInput,
  effect: "reads",
  answer(input, context) {
    const selection = toSelection(input);
    const example = 'e.g. runs: ["latest~1", "latest"], name: "sweep", or limit: 3';
    const limited = input.all === true || input.limit !== undefined;
    const { data: comparison, total } = answerCompare({ selection, limit: toLimit(input), limited, example }, context);
    const differing = [...Object.keys(comparison.params).map((key) => `params.${key}`), ...Object.keys(comparison.metadata).map((key) => `meta.${key}`)];
    return {
      data: comparison,
      summary: [
        `${counted(comparison.runs.length, total, "runs")}: ${comparison.runs.map((r) => `${r.short_id} (${r.status})`).join(", ")}`,
        differing.length ? `params and metadata that differ: ${differing.join(", ")}` : "no params or metadata differ",
        ...comparison.code_changes.map(
          (change) =>
            `code of ${change.short_id} differs: ${change.size ? `${change.size.files} files +${change.size.added} -${change.size.deleted}` : "not measured here"}`,
        ),
        `${Object.keys(comparison.metrics).length} metrics`,
      ],
    };
  },
};

const runOutputsInput = {
  run: runInput(),
  globs: z.array(z.string().min(1)).optional().describe("Only outputs whose path matches one of these globs: '*.pt' (a name anywhere), 'checkpoints/**'"),
};
const runOutputsTool: ToolSpec<typeof runOutputsInput> = {
  name: "run_outputs",
  title: "A run's outputs",
  description:
    "The files a run created or changed under the work tree (checkpoints, predictions, plots): path, size, time, hash, and whether " +
    "each is still the one the run wrote (state current), was overwritten by a later run (overwritten_by), changed or missing; load " +
    "is the path to read it from (the file, else the copy kept with run --keep-outputs); incomplete says why the list may lack files " +
    "(the run's search stopped early). Same answer as `exprag outputs <run> --json`. " +
    "Where is the checkpoint of the best run: best_runs, then this with its id.",
  input: runOutputsInput,
  effect: "reads",
  answer({ run, globs }, context) {
    const { data } = answerOutputs({ run, globs: globs ?? [] }, context);
    const lines = data.files
      .slice(0, 10)
      .map((f) => `${f.path}  ${f.size} bytes  ${f.overwritten_by ? `overwritten by ${f.overwritten_by}` : f.state}${f.load ? `  load ${f.load}` : ""}`);
    if (data.files.length > 10) lines.push(`... and ${data.files.length - 10} more in the JSON`);
    const total = data.files.length + data.more;
    const lacks = lacksNote(data);
    if (lacks) lines.push(lacks);
    return { data, summary: [`run ${data.short_id}: ${data.files.length < total ? `${data.files.length} of ${total}` : total} outputs`, ...lines] };
  },
};

export const queryTools = [listRunsTool, showRunTool, valuePathsTool, seriesTool, bestRunsTool, compareRunsTool, runOutputsTool];
