import { defineCommand } from "citty";
import { usageError } from "../core/errors";
import { type Aggregate, rankRuns } from "../core/query/details";
import { resolveStoreDir } from "../core/store";
import { asNumber, formatNumber, parsePath } from "../core/query/value-paths";
import { log } from "../log";
import { formatCommit } from "../render/format";
import { outputMode, printData, renderRows } from "../render/table";
import { listOptions, parseCommandLine, parseLimit, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const AGGREGATES: string[] = ["last", "max", "min", "mean"];

const args = {
  path: { type: "positional", description: "The metric's value path, e.g. metrics.acc" },
  max: { type: "boolean", description: "Higher is better" },
  min: { type: "boolean", description: "Lower is better" },
  agg: { type: "enum", options: AGGREGATES, description: "One number per run: its last value (default), or max, min, mean" },
  name: { type: "string", description: "Only runs whose name contains TEXT", valueHint: "TEXT" },
  ...listOptions,
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "best", description: "Runs ranked by a metric" },
  args,
});

const examples = `EXAMPLES

  exprag best metrics.acc --max
  exprag best metrics.loss --min --agg min --name baseline --json

Without --max or --min, paths that look like a loss or an error (loss, err, perplexity, time)
rank lowest first, anything else highest first; stderr says which was used. NaN and infinite
values rank after every finite one; runs that never reported the metric are listed apart.`;

const LOWER_IS_BETTER = /loss|err|perplex|ppl|time|latency|mse|mae|rmse|cost|regret/i;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("best", argv, args);
  if (parsed.help) return -1;
  const [pathText, ...extra] = parsed.positionals;
  if (!pathText || extra.length) throw usageError("best takes one value path", "usage: exprag best <path> [--max|--min]");
  const { options } = parsed;
  if (options.max && options.min) throw usageError("choose one of --max and --min");
  const steps = parsePath(pathText);
  const direction = options.max ? "max" : options.min ? "min" : LOWER_IS_BETTER.test(pathText) ? "min" : "max";
  if (!options.max && !options.min) log.info(`ranking by ${pathText}, ${direction === "min" ? "lowest" : "highest"} first (--${direction}); say --${direction === "min" ? "max" : "min"} for the other way`);
  const agg = (options.agg as Aggregate | undefined) ?? "last";
  const limit = parseLimit(options);
  const store = resolveStoreDir(options.dir as string | undefined, process.env, process.cwd());
  const { ranked, missing } = rankRuns(store, steps, { direction, agg, name: options.name as string | undefined }, (message) => log.warn(message));
  const shown = ranked.slice(0, limit);
  if (shown.length < ranked.length) log.info(`showing ${shown.length} of ${ranked.length} runs; use --all or --limit N for more`);
  if (missing.length) log.info(`${missing.length} run${missing.length === 1 ? "" : "s"} never reported ${pathText}: ${missing.slice(0, 10).map((r) => r.short_id).join(" ")}${missing.length > 10 ? " ..." : ""}`);
  const mode = outputMode(options.json === true);
  if (mode === "json") return printData(`${JSON.stringify(shown)}\n`), 0;
  printData(
    renderRows(
      shown,
      [
        { header: "rank", value: (r) => String(r.rank), align: "right" },
        { header: "run", value: (r) => r.short_id },
        { header: "name", value: (r) => r.experiment_name },
        { header: `${agg}(${pathText})`, value: (r) => formatNumber(asNumber(r.value)!), align: "right" },
        { header: "started", value: (r) => r.started_at },
        { header: "status", value: (r) => r.status },
        { header: "commit", value: (r) => formatCommit(r.commit, r.dirty) },
      ],
      mode,
    ),
  );
  return 0;
}

export default { definition, main, examples } satisfies ExpragCommand;
