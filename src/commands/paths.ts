import { collectPaths } from "../core/query/paths";
import { selectRuns } from "../core/query/selection";
import { printData } from "../render/output";
import { outputMode, renderRows } from "../render/table";
import { DEFAULT_LIMIT, jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "paths",
  description: "The value paths seen in track records: count, types, examples",
  args: {
    runs: { type: "positional", description: "Runs to look at (default: the 20 newest; --all for every run)", required: false },
    contains: { type: "string", description: "Only paths containing TEXT", valueHint: "TEXT" },
    numeric: { type: "boolean", description: "Only paths whose values are all numbers" },
    all: { type: "boolean", description: "Look at every run" },
    ...jsonArg,
    ...storeArgs,
  },
  variadic: "runs",
  examples: `EXAMPLES

  exprag paths --numeric
  exprag paths latest --contains loss --json

A path names a leaf of the tracked values: metrics.acc; list elements as [] (layers[].loss).`,
  run({ args, store, warn }) {
    const runIds = selectRuns(store, args.runs, args.all ? Number.POSITIVE_INFINITY : DEFAULT_LIMIT);
    const contains = args.contains?.toLowerCase();
    const paths = collectPaths(store, runIds, warn).filter((p) => (!contains || p.path.toLowerCase().includes(contains)) && (!args.numeric || p.numeric));
    const mode = outputMode(args.json === true);
    if (mode === "json") return printData(`${JSON.stringify(paths)}\n`);
    printData(
      renderRows(
        paths,
        [
          { header: "path", value: (p) => p.path },
          { header: "count", value: (p) => String(p.count), align: "right" },
          { header: "runs", value: (p) => String(p.runs), align: "right" },
          { header: "types", value: (p) => p.types.join(",") },
          { header: "numeric", value: (p) => (p.numeric ? "yes" : "no") },
          { header: "examples", value: (p) => p.examples.map((e) => JSON.stringify(e)).join(" ") },
        ],
        mode,
      ),
    );
  },
});
