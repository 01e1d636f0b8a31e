import { defineCommand } from "citty";
import { collectPaths, selectRuns } from "../core/query/details";
import { resolveStoreDir } from "../core/store";
import { log } from "../log";
import { outputMode, printData, renderRows } from "../render/table";
import { DEFAULT_LIMIT, parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  runs: { type: "positional", description: "Runs to look at (default: the 20 newest; --all for every run)", required: false },
  contains: { type: "string", description: "Only paths containing TEXT", valueHint: "TEXT" },
  numeric: { type: "boolean", description: "Only paths whose values are all numbers" },
  all: { type: "boolean", description: "Look at every run" },
  json: { type: "boolean", description: "JSON array" },
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "paths", description: "The value paths seen in track records: count, types, examples" },
  args,
});

const examples = `EXAMPLES

  exprag paths --numeric
  exprag paths latest --contains loss --json

A path names a leaf of the tracked values: metrics.acc; list elements as [] (layers[].loss).`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("paths", argv, args);
  if (parsed.help) return -1;
  const { options } = parsed;
  const store = resolveStoreDir(options.dir as string | undefined, process.env, process.cwd());
  const runIds = selectRuns(store, parsed.positionals, options.all ? Number.POSITIVE_INFINITY : DEFAULT_LIMIT);
  const contains = (options.contains as string | undefined)?.toLowerCase();
  const paths = collectPaths(store, runIds, (message) => log.warn(message)).filter(
    (p) => (!contains || p.path.toLowerCase().includes(contains)) && (!options.numeric || p.numeric),
  );
  const mode = outputMode(options.json === true);
  if (mode === "json") return printData(`${JSON.stringify(paths)}\n`), 0;
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
  return 0;
}

export default { definition, main, examples } satisfies ExpragCommand;
