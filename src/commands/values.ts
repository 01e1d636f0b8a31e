import { defineCommand } from "citty";
import { usageError } from "../core/errors";
import { selectRuns, series } from "../core/query/details";
import { resolveStoreDir } from "../core/store";
import { asNumber, formatNumber, parsePath } from "../core/query/value-paths";
import { log } from "../log";
import { outputMode, printData, renderRows } from "../render/table";
import { listOptions, parseCommandLine, parseLimit, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  path: { type: "positional", description: "A value path: metrics.loss, layers[].loss (a leading value. is fine)" },
  runs: { type: "positional", description: "Runs (default: latest)", required: false },
  ...listOptions,
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "values", description: "The series of one value path: run, step, time, value, and the file:line it came from" },
  args,
});

const examples = `EXAMPLES

  exprag values metrics.loss                 # the latest run, newest points first
  exprag values metrics.loss 3f9c2a1b 8d01e4c7 --all --json

Cite a point by its source, file:line in the run file.`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("values", argv, args);
  if (parsed.help) return -1;
  const [pathText, ...references] = parsed.positionals;
  if (!pathText) throw usageError("values needs a value path", "usage: exprag values <path> [<run>...]; see exprag paths");
  const steps = parsePath(pathText);
  const { options } = parsed;
  const limit = parseLimit(options);
  const store = resolveStoreDir(options.dir as string | undefined, process.env, process.cwd());
  const runIds = selectRuns(store, references, 1);
  const { points, total } = series(store, runIds, steps, limit, (message) => log.warn(message));
  const shown = points.reverse();
  if (shown.length < total) log.info(`showing the newest ${shown.length} of ${total} values; use --all or --limit N for more`);
  if (total === 0 && runIds.length) log.warn(`no ${pathText} in ${runIds.length === 1 ? "that run" : "those runs"}; see exprag paths`);
  const mode = outputMode(options.json === true);
  if (mode === "json") return printData(`${JSON.stringify(shown)}\n`), 0;
  const text = (value: unknown) => (asNumber(value) !== null ? formatNumber(asNumber(value)!) : JSON.stringify(value));
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
  return 0;
}

export default { definition, main, examples } satisfies ExpragCommand;
