import { answerPaths } from "../core/answers/paths";
import { parseSelection } from "../core/query/selection-flags";
import { printData } from "../render/output";
import { startProgress } from "../render/progress";
import { outputMode, renderRows } from "../render/table";
import { jsonArg, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "paths",
  description: "The value paths of the selected runs: tracked values, params.* and meta.*, with counts, types and examples",
  args: {
    runs: { type: "positional", description: "Runs to look at (default: every run the selection keeps)", required: false },
    contains: { type: "string", description: "Only paths containing TEXT", valueHint: "TEXT" },
    numeric: { type: "boolean", description: "Only paths whose values are all numbers" },
    ...selectionArgs,
    ...jsonArg,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag paths --numeric
  exprag paths latest --contains loss --json

A tracked path names a leaf of the tracked values: metrics.acc; list elements as [] (layers[].loss).
params.* come from the command line, meta.* from --meta and $meta: --where can use all three.

${WHERE_HELP}`,
  run({ args, store, cwd, env, warn }) {
    const selection = parseSelection(args, args.runs);
    const progress = startProgress();
    const { data: paths } = answerPaths({ selection, contains: args.contains, numeric: args.numeric }, { store, cwd, env, warn, progress });
    progress.end();
    const mode = outputMode(args.json === true);
    if (mode === "json") return printData(`${JSON.stringify(paths)}\n`);
    printData(
      renderRows(
        paths,
        [
          { header: "path", value: (p) => p.path },
          { header: "source", value: (p) => p.source },
          { header: "count", value: (p) => String(p.count), align: "right" },
          { header: "runs", value: (p) => String(p.runs), align: "right" },
          { header: "types", value: (p) => p.types.join(",") },
          { header: "numeric", value: (p) => (p.numeric ? "yes" : "no") },
          { header: "examples", value: (p) => p.examples.map((e) => JSON.stringify(e)).join(" "), flex: true, drop: 1 },
        ],
        mode,
      ),
    );
  },
});
