/** The run fields an operand of one word names (`status`, `commit`, `elapsed`...), and each one's value for a run. */
import { shortId } from "../record/refs";
import type { RunView } from "./run-view";
import type { RunSummary } from "./summary";
import { ELAPSED } from "./where";

/** Run fields an operand of one word names (besides tracked values, metadata and params). */
export const RUN_FIELDS = [
  "id",
  "short_id",
  "status",
  "name",
  "exit_code",
  "duration_ms",
  "started_at",
  "commit",
  "dirty",
  "branch",
  "tags",
  "notes",
  "host",
  "error",
  "diverged",
  "why",
  "from",
  "decision",
  ELAPSED,
];

export function runField(view: RunView, field: string): unknown {
  const summary = view.summary()!;
  switch (field) {
    case "id":
      return summary.run_id;
    case "name":
      return summary.experiment_name;
    case "tags":
      return view.annotations().tags;
    case "notes":
      return view.notes();
    case "host":
      return view.start()?.host.hostname;
    case "error":
      return summary.error ?? undefined;
    case "diverged":
      return summary.diverged !== false;
    case "why":
      return summary.why;
    case "from":
      return summary.from === null ? undefined : shortId(summary.from);
    case "decision":
      return view.annotations().decision?.decision ?? "none";
    case ELAPSED:
      return elapsedSeconds(summary);
    default: {
      const stored = (summary as unknown as Record<string, unknown>)[field];
      // A fact of the start kept as null (no commit outside git) is null: `commit = null` finds it. A field
      // null until the run ends (exit_code, duration_ms) is missing meanwhile, so `exit_code != 0` waits.
      return stored === null && NULL_FROM_THE_START.includes(field) ? null : (stored ?? undefined);
    }
  }
}

const NULL_FROM_THE_START = ["commit", "tree", "branch", "dirty"];

/** Seconds from the run's start: its duration once ended, else until now (null when it cannot say). */
function elapsedSeconds(summary: RunSummary): number | undefined {
  if (summary.duration_ms !== null) return summary.duration_ms / 1000;
  const started = Date.parse(summary.started_at);
  return summary.status === "running" && Number.isFinite(started) ? Math.max(0, Date.now() - started) / 1000 : undefined;
}
