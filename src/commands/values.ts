import { answerSeries, streamedSeries } from "../core/answers/series";
import { UserError } from "../core/errors";
import { parseCount, parseLimit, parseSelection } from "../core/query/selection-flags";
import { asNumber } from "../core/query/value-paths";
import type { SeriesPoint } from "../core/query/values";
import { formatLocalTime, formatNumber } from "../render/format";
import { log } from "../render/log";
import { DataStream, printData } from "../render/output";
import { type Column, outputMode, renderRows } from "../render/table";
import { listArgs, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "values",
  description: "The series of one value path, oldest first: run, step, time, value, and the file:line it came from",
  args: {
    path: {
      type: "positional",
      description: "A value path: metrics.loss, layers[].loss (a leading value. is fine); one naming an object gives the whole object",
    },
    runs: { type: "positional", description: "Runs (default: the latest, or every run the selection keeps)", required: false },
    last: { type: "string", description: "Only the last N points of each run; --last alone: its last point, to cite", valueHint: "N" },
    ...selectionArgs,
    ...listArgs,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  optionalValues: { last: "1" },
  examples: `EXAMPLES

  exprag values metrics.loss                          # the latest run, oldest point first
  exprag values metrics.loss 3f9c2a1b 8d01e4c7 --all --json
  exprag values metrics.loss --where 'params.batch_size = 32' --last 5
  exprag values metrics.acc --tag sweep:3f9c2a1b --last --all   # each run's final value, with its source

--limit N (default 20) caps the whole answer, keeping its newest points, and says so when it cuts;
--last N keeps the last N points of each run. Cite a point by its source, file:line in the run file.

${WHERE_HELP}`,
  run(context) {
    const { args } = context;
    const cap = parseLimit(args);
    const lastPerRun = args.last === undefined ? Number.POSITIVE_INFINITY : parseCount(args.last, "--last");
    const selection = parseSelection(args, args.runs);
    // Where the runs are looked up: a count read as a run gets its hint there.
    const answered = <T>(answer: () => T): T => {
      try {
        return answer();
      } catch (error) {
        throw countReadAsRun(error, args);
      }
    };
    const mode = outputMode(args.json === true);
    const text = (value: unknown) => {
      const number = asNumber(value);
      return number !== null ? formatNumber(number) : JSON.stringify(value);
    };
    const columns: Column<SeriesPoint>[] = [
      { header: "run", value: (p) => p.short_id },
      { header: "step", value: (p) => (p.step === null ? "" : String(p.step)), align: "right" },
      { header: "elapsed_ms", value: (p) => String(p.elapsed_ms), align: "right", drop: 1 },
      { header: "created_at", value: (p) => (mode === "table" ? formatLocalTime(p.created_at) : p.created_at), drop: 2 },
      { header: "value", value: (p) => (mode === "tsv" ? JSON.stringify(p.value) : text(p.value)), align: "right", flex: true },
      { header: "source", value: (p) => p.source },
    ];
    if (cap === Number.POSITIVE_INFINITY && mode !== "table") {
      // The whole series through a pipe: written as it is read, the same bytes as the answer held whole.
      const out = new DataStream();
      const header = renderRows([], columns, "tsv");
      let first = true;
      // Opened at the first point, so a usage error (a path no run has) leaves stdout empty.
      const open = () => {
        if (first) out.write(mode === "tsv" ? header : "[");
      };
      answered(() =>
        streamedSeries({ path: args.path, selection, lastPerRun }, context, (point) => {
          open();
          if (mode === "json") out.write(`${first ? "" : ","}${JSON.stringify(point)}`);
          else out.write(renderRows([point], columns, "tsv").slice(header.length));
          first = false;
        }),
      );
      open();
      return out.end(mode === "json" ? "]\n" : "");
    }
    const { data: points, total, kept } = answered(() => answerSeries({ path: args.path, selection, lastPerRun, cap }, context));
    if (points.length < kept) {
      log.info(
        `showing the newest ${points.length} of ${kept} points${kept < total ? ` (--last kept ${kept} of ${total})` : ""}; use --all or --limit N for more`,
      );
    }
    if (mode === "json") return printData(`${JSON.stringify(points)}\n`);
    printData(renderRows(points, columns, mode));
  },
});

/**
 * `--last 10000000`: a word of 8 digits or more after --last is read as a run (a short id can be
 * all digits). When no run has it, the error says how to write the count.
 */
function countReadAsRun(error: unknown, args: { last?: string; runs: string[] }): unknown {
  const word = args.last === "1" ? args.runs.find((run) => /^\d{8,}$/.test(run)) : undefined;
  if (word === undefined || !(error instanceof UserError) || !error.message.startsWith(`no run matches '${word}'`)) return error;
  return new UserError(error.message, error.exitCode, `for the last ${word} points of each run, write --last=${word}`);
}
