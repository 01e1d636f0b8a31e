import { answerBest } from "../core/answers/best";
import { answerBestGroups } from "../core/answers/group";
import { usageError } from "../core/errors";
import { requireGoal } from "../core/loop/goal";
import { parseGroupKeys } from "../core/loop/groups";
import { AGGREGATES, type Direction, type DirectionSource, type Ranked } from "../core/query/best";
import { differing } from "../core/query/compare";
import { flattenValues } from "../core/query/flatten";
import { parseLimit, parseSelection } from "../core/query/selection-flags";
import { cellText, formatAgo, formatCommit, formatNumber } from "../render/format";
import { renderGrouping } from "../render/groups";
import { log } from "../render/log";
import { printData } from "../render/output";
import { startProgress } from "../render/progress";
import { type Column, outputMode, renderRows } from "../render/table";
import { listArgs, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "best",
  description: "Runs ranked by a metric, with the params that differ among them",
  args: {
    path: { type: "positional", description: "The metric's value path, e.g. metrics.acc (default: the project's [goal] metric)", required: false },
    runs: { type: "positional", description: "Only these runs (default: every selected run)", required: false },
    max: { type: "boolean", description: "Higher is better" },
    min: { type: "boolean", description: "Lower is better" },
    agg: { type: "enum", options: AGGREGATES, description: "One number per run: its last value (default), or max, min, mean" },
    explain: {
      type: "boolean",
      description: "Instead of the ranking, how it was made: the rule (path, aggregate, direction), the runs left out and why, the ranked runs to doubt",
    },
    "group-by": {
      type: "string",
      description: "One row per group of runs sharing these keys (params.X, meta.X, name, tags, code): n, mean, std, min, max, ranked by mean",
      valueHint: "KEYS",
    },
    ...selectionArgs,
    ...listArgs,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag best metrics.acc --max
  exprag best metrics.loss --min --agg min --name baseline --since 2w --status ok --json
  exprag best metrics.acc --max --tag sweep:3f9c2a1b
  exprag best metrics.acc --max --explain             # the rule, and the runs left out and why
  exprag best metrics.acc --max --group-by params.optimizer   # which optimizer is better on average?

Without a path, the project's goal metric ranks ([goal] in .exprag.toml or pyproject.toml).
Without --max or --min, the goal's direction for its metric ranks; else paths that look like a
loss or an error (loss, err, perplexity, time) rank lowest first, anything else highest first,
and stderr says which was used. NaN and infinite values rank after every finite one; runs that
never reported the metric are listed apart. points_used in --json says how many points each
value was taken from (1 for the last value).

${WHERE_HELP}`,
  run(context) {
    const { args, store, cwd, env, warn } = context;
    const config = () => context.config;
    if (args.max && args.min) throw usageError("choose one of --max and --min");
    const direction = args.max ? "max" : args.min ? "min" : null;
    const agg = args.agg ?? "last";
    if (args["group-by"] !== undefined) {
      const goal = requireGoal({ metric: args.path, direction: direction ?? undefined }, config, BEST_ASKED.command, BEST_ASKED.how);
      const { steps, metric } = goal;
      const keys = parseGroupKeys(args["group-by"]);
      const { data: grouping } = answerBestGroups(
        { selection: parseSelection(args, args.runs), keys, steps, metric, agg, direction: goal.direction },
        { store, cwd, env, warn },
      );
      const mode = outputMode(args.json === true);
      return printData(mode === "json" ? `${JSON.stringify(grouping)}\n` : renderGrouping(grouping, mode));
    }
    const request = {
      path: args.path,
      asked: BEST_ASKED,
      direction,
      agg,
      selection: parseSelection(args, args.runs),
      limit: parseLimit(args),
    } as const;
    const progress = startProgress();
    // The config is read only when the goal is asked for: best PATH --max works beside a broken one.
    const answer = answerBest(request, { store, cwd, env, warn, progress });
    const { data: shown, ranked, missing, guessed, explanation, path: metric } = answer;
    progress.end();
    if (guessed) {
      const rankedBy = answer.direction;
      log.info(
        `ranking by ${metric}, ${rankedBy === "min" ? "lowest" : "highest"} first (--${rankedBy}); say --${rankedBy === "min" ? "max" : "min"} for the other way`,
      );
    }
    const mode = outputMode(args.json === true);
    if (args.explain) {
      if (mode === "json") return printData(`${JSON.stringify(explanation)}\n`);
      const { rule } = explanation;
      const lines = [
        `rule\t${rule.agg}(${rule.path}) of each run, ${rule.direction === "max" ? "highest" : "lowest"} first (${DIRECTION_FROM[rule.direction_from](rule.direction)})`,
        `ranked\t${explanation.ranked} runs`,
        ...explanation.left_out.map((run) => `left out\t${run.short_id}: ${run.reason}`),
        ...explanation.caveats.map((run) => `rank ${run.rank}\t${run.short_id}: ${run.reasons.join(", ")}`),
      ];
      return printData(`${lines.join("\n")}\n`);
    }
    if (shown.length < ranked) log.info(`showing ${shown.length} of ${ranked} runs; use --all or --limit N for more`);
    if (missing.length) {
      const ids = missing.slice(0, 10).map((r) => r.short_id);
      log.info(`${missing.length} run${missing.length === 1 ? "" : "s"} never reported ${metric}: ${ids.join(" ")}${missing.length > 10 ? " ..." : ""}`);
    }
    if (mode === "json") return printData(`${JSON.stringify(shown)}\n`);
    const params = Object.keys(differing(shown.map((r) => Object.fromEntries(flattenValues(r.params).filter(([key]) => key)))));
    const paramColumn = (key: string): Column<Ranked> => ({
      header: `params.${key}`,
      value: (r) => cellText(flattenValues(r.params).find(([k]) => k === key)?.[1]),
      align: "right",
      flex: true,
      drop: 1,
    });
    printData(
      renderRows(
        shown,
        [
          { header: "rank", value: (r) => String(r.rank), align: "right" },
          { header: "run", value: (r) => r.short_id },
          { header: "name", value: (r) => r.experiment_name, flex: true, drop: 5 },
          { header: `${agg}(${metric})`, value: (r) => (typeof r.value === "number" ? formatNumber(r.value) : r.value), align: "right" },
          ...params.map(paramColumn),
          { header: "started", value: (r) => (mode === "table" ? formatAgo(r.started_at) : r.started_at), drop: 2 },
          { header: "status", value: (r) => r.status, drop: 4 },
          { header: "commit", value: (r) => formatCommit(r.commit, r.dirty), drop: 3 },
        ],
        mode,
      ),
    );
  },
});

/** How `best --explain` words where the ranking's direction came from. */
const DIRECTION_FROM: Record<DirectionSource, (direction: Direction) => string> = {
  flag: (direction) => `--${direction}`,
  goal: () => "the project's goal",
  "path name": (direction) => `guessed from the name; --${direction} says so`,
};

/** How best is given a metric, for the message when it has none. */
const BEST_ASKED = { command: "best", how: "a value path, e.g. exprag best metrics.acc" };
