import { selectRuns } from "../core/query/selection";
import { asNumber, parsePath } from "../core/query/value-paths";
import { series } from "../core/query/values";
import { log } from "../log";
import { formatNumber } from "../render/format";
import { printData } from "../render/output";
import { outputMode, renderRows } from "../render/table";
import { listArgs, parseLimit, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "values",
  description: "The series of one value path: run, step, time, value, and the file:line it came from",
  args: {
    path: { type: "positional", description: "A value path: metrics.loss, layers[].loss (a leading value. is fine)" },
    runs: { type: "positional", description: "Runs (default: latest)", required: false },
    ...listArgs,
    ...storeArgs,
  },
  variadic: "runs",
  examples: `EXAMPLES

  exprag values metrics.loss                 # the latest run, newest points first
  exprag values metrics.loss 3f9c2a1b 8d01e4c7 --all --json

Cite a point by its source, file:line in the run file.`,
  run({ args, store, warn }) {
    const steps = parsePath(args.path);
    const limit = parseLimit(args);
    const runIds = selectRuns(store, args.runs, 1);
    const { points, total } = series(store, runIds, steps, limit, warn);
    const shown = points.reverse();
    if (shown.length < total) log.info(`showing the newest ${shown.length} of ${total} values; use --all or --limit N for more`);
    if (total === 0 && runIds.length) warn(`no ${args.path} in ${runIds.length === 1 ? "that run" : "those runs"}; see exprag paths`);
    const mode = outputMode(args.json === true);
    if (mode === "json") return printData(`${JSON.stringify(shown)}\n`);
    const text = (value: unknown) => {
      const number = asNumber(value);
      return number !== null ? formatNumber(number) : JSON.stringify(value);
    };
    printData(
      renderRows(
        shown,
        [
          { header: "run", value: (p) => p.short_id },
          { header: "step", value: (p) => (p.step === null ? "" : String(p.step)), align: "right" },
          { header: "elapsed_ms", value: (p) => String(p.elapsed_ms), align: "right" },
          { header: "created_at", value: (p) => p.created_at },
          { header: "value", value: (p) => (mode === "tsv" ? JSON.stringify(p.value) : text(p.value)), align: "right" },
          { header: "source", value: (p) => p.source },
        ],
        mode,
      ),
    );
  },
});
