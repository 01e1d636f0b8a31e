import { usageError } from "../core/errors";
import { compareRuns } from "../core/query/compare";
import { readRunDetails } from "../core/query/show";
import { asNumber } from "../core/query/value-paths";
import { formatCommit, formatDuration, formatNumber } from "../render/format";
import { printData } from "../render/output";
import { outputMode, renderRows } from "../render/table";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

const cell = (value: unknown) => {
  const number = asNumber(value);
  if (value === undefined) return "";
  if (number !== null) return formatNumber(number);
  return typeof value === "string" ? value : JSON.stringify(value);
};

export default defineExpragCommand({
  name: "compare",
  description: "Runs side by side: metadata that differs, final metrics, status, duration, code",
  args: {
    runs: { type: "positional", description: "Two or more runs" },
    ...jsonArg,
    ...storeArgs,
  },
  variadic: "runs",
  examples: `EXAMPLES

  exprag compare latest~1 latest
  exprag compare 3f9c2a1b 8d01e4c7 --json`,
  run({ args, store, warn }) {
    if (args.runs.length < 2) throw usageError("compare needs at least two runs", "usage: exprag compare <run> <run> [...]");
    const comparison = compareRuns(args.runs.map((reference) => readRunDetails(store, reference, warn)));
    const mode = outputMode(args.json === true);
    if (mode === "json") return printData(`${JSON.stringify(comparison)}\n`);
    const { runs, metadata, metrics, code } = comparison;
    const rows: { field: string; values: string[] }[] = [
      { field: "name", values: runs.map((r) => r.experiment_name) },
      { field: "status", values: runs.map((r) => `${r.status}${r.exit_code === null ? "" : ` (${r.exit_code})`}`) },
      { field: "duration", values: runs.map((r) => formatDuration(r.duration_ms)) },
      { field: "commit", values: runs.map((r) => formatCommit(r.commit, r.dirty, 12)) },
      ...Object.entries(metadata).map(([key, values]) => ({ field: `meta ${key}`, values: values.map(cell) })),
      ...Object.entries(metrics).map(([path, values]) => ({ field: `last ${path}`, values: values.map(cell) })),
      ...code.map((command) => ({ field: "code", values: runs.map((_, i) => (i === 0 ? command : "")) })),
    ];
    const ids = runs.map((r) => r.short_id);
    printData(
      renderRows(
        rows,
        [{ header: "", value: (r) => r.field }, ...ids.map((id, i) => ({ header: id, value: (r: (typeof rows)[number]) => r.values[i] ?? "" }))],
        mode,
      ),
    );
  },
});
