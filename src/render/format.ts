import { asNumber } from "../core/query/value-paths";

/** How numbers, durations and commits read in tables. */

export function formatDuration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}s`;
  const hours = Math.floor(ms / 3_600_000);
  // Beyond any real run (a hand-edited or damaged file): the hours as a number, not 20 digits of them.
  if (hours >= 1e7 || !Number.isFinite(ms)) return `${Number((ms / 3_600_000).toPrecision(5))}h`;
  return `${hours}h${String(Math.floor(ms / 60_000) % 60).padStart(2, "0")}m`;
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

const pad2 = (n: number) => String(n).padStart(2, "0");

/** A time as people at a terminal read it: local, with its offset (`2026-12-01 20:45:01 +01:00`). */
export function formatLocalTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const offset = -date.getTimezoneOffset();
  const zone = `${offset < 0 ? "-" : "+"}${pad2(Math.floor(Math.abs(offset) / 60))}:${pad2(Math.abs(offset) % 60)}`;
  return `${localDate(date)} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())} ${zone}`;
}

const localDate = (date: Date) => `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;

const AGO: [limitSeconds: number, unitSeconds: number, unit: string][] = [
  [60, 1, "s"],
  [3600, 60, "m"],
  [86400, 3600, "h"],
  [30 * 86400, 86400, "d"],
];

/** A time in a list at a terminal, as gh shows it: `45s ago`, `3h ago`, `2d ago`; older (or ahead of the clock), the local date. */
export function formatAgo(iso: string, now = Date.now()): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const seconds = Math.floor((now - time) / 1000);
  if (seconds < -60) return formatLocalTime(iso).slice(0, 16);
  for (const [limit, unit, name] of AGO) if (seconds < limit) return `${Math.floor(Math.max(0, seconds) / unit)}${name} ago`;
  return localDate(new Date(time));
}
