/** A grouping (`ls --group-by`, `best --group-by`) as rows: the keys, then n, mean, std, min, max and the runs. */
import type { Group, Grouping } from "../core/loop/groups";
import { cellText, formatNumber } from "./format";
import { type OutputMode, renderRows } from "./table";

const number = (value: number | null) => (value === null ? "" : formatNumber(value));

export function renderGrouping(grouping: Grouping, mode: Exclude<OutputMode, "json">): string {
  const stats = grouping.value === null ? [] : (["mean", "std", "min", "max"] as const);
  return renderRows(
    grouping.groups,
    [
      ...grouping.by.map((key) => ({ header: key, value: (g: Group) => cellText(g.key[key]), flex: true as const })),
      { header: "n", value: (g: Group) => String(g.n), align: "right" as const },
      ...stats.map((field) => ({
        header: field === "mean" ? `mean ${grouping.value}` : field,
        value: (g: Group) => number(g[field]),
        align: "right" as const,
      })),
      {
        header: "runs",
        value: (g: Group) => (mode === "table" && g.runs.length > 4 ? `${g.runs.slice(0, 4).join(",")},...` : g.runs.join(",")),
        flex: true as const,
      },
    ],
    mode,
  );
}
