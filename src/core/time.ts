/** Points in time as users write them on the command line. */
import { usageError } from "./errors";

const SPAN_UNITS: Record<string, number> = { s: 1e3, m: 60e3, min: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };
/** `2026-11-01`, `2026-11-01T09:30`, `2026-11-01 09:30:15.250Z`, `2026-11-01T09:30+02:00`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A time for `--since`/`--until`: a span back from now (`30s`, `90m`, `2h`, `3d`, `2w`) or an ISO
 * date or date-time (local time unless it names a zone). Anything else, a bare number included,
 * is a usage error naming the option.
 */
export function parseWhen(text: string, option: string, now = Date.now()): number {
  const trimmed = text.trim();
  const span = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/i.exec(trimmed);
  if (span) return now - Number(span[1]) * SPAN_UNITS[span[2]!.toLowerCase()]!;
  // A date alone is local midnight (Date.parse would read it as UTC).
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T00:00` : trimmed.replace(" ", "T");
  const time = ISO_TIME.test(trimmed) && realDate(trimmed) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(time)) throw usageError(`${option} expects a span such as 90m, 2h, 3d, 2w or a date such as 2026-11-01, got "${text}"`);
  return time;
}

/** Whether the `YYYY-MM-DD` that `text` starts with is a day of the calendar (Date.parse takes 2026-02-30 for March 2). */
function realDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1e3, sec: 1e3, m: 60e3, min: 60e3, h: 3600e3, d: 86400e3 };

/**
 * A length of time as users write it: `500ms`, `90s`, `10m`, `1.5h`, `2d`, or a bare number of
 * seconds; milliseconds, or null when `text` is none of these (or not above zero).
 */
export function durationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?$/i.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * DURATION_UNITS[(match[2] ?? "s").toLowerCase()]!;
  return ms > 0 && Number.isFinite(ms) ? ms : null;
}

/** A duration given to `option` (see durationMs); anything else is a usage error naming it. */
export function parseDuration(text: string, option: string): number {
  const ms = durationMs(text);
  if (ms === null) throw usageError(`${option} expects a duration such as 500ms, 90s, 10m, 2h (a bare number is seconds), got "${text}"`);
  return ms;
}

/** The longest delay a runtime timer holds (2^31 - 1 ms, 24.8 days): a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
  /** The process may end while it is still waiting. */
  unref(): void;
}

/** setTimeout for a delay of any length (`--time-limit 30d`), re-armed in steps the runtime holds. */
export function longTimeout(fire: () => void, ms: number, step = MAX_TIMER_MS): LongTimer {
  const due = performance.now() + ms;
  let referenced = true;
  let timer: Timer;
  const arm = () => {
    const left = due - performance.now();
    timer = left > step ? setTimeout(arm, step) : setTimeout(fire, Math.max(0, left));
    if (!referenced) timer.unref();
  };
  arm();
  return {
    clear: () => clearTimeout(timer),
    unref: () => {
      referenced = false;
      timer.unref();
    },
  };
}
