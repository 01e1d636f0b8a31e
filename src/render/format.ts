import { asNumber } from "../core/query/value-paths";

/** How numbers, durations and commits read in tables. */

export function formatDuration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}s`;
  return `${Math.floor(ms / 3_600_000)}h${String(Math.floor(ms / 60_000) % 60).padStart(2, "0")}m`;
}

/** A commit's first digits, with `*` when the run's tree was dirty (its code is a snapshot). */
export function formatCommit(commit: string | null, dirty: boolean | null, digits = 8): string {
  return commit ? `${commit.slice(0, digits)}${dirty ? "*" : ""}` : "";
}

/** How a number reads: non-finite values by name. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-4 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(6))) : value.toExponential(4);
}

/** A value in a cell: numbers as people read them, strings as they are, anything else as JSON. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return "";
  const number = asNumber(value);
  if (number !== null) return formatNumber(number);
  return typeof value === "string" ? value : JSON.stringify(value);
}
