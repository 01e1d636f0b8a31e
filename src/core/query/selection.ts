/**
 * Which runs a command looks at, the same for every command: the runs named on the command line
 * (in that order) or every run newest first, kept by name, status, time, tags and `--where`.
 * Each run is read only as far as the question needs (see RunView).
 */
import { isUuidV7, listRunIds, resolveRunRef, runIdTime, shortId } from "../record/refs";
import { type OnProgress, readable, type Warn } from "./records";
import { RunView } from "./run-view";
import type { RunState } from "./summary";
import { asNumber, type PathStep, valuesAt } from "./value-paths";
import { type Expr, evaluateWhere, globMatches, type Operand, operandsOf } from "./where";

export interface Selection {
  /** Run references given on the command line; empty: every run. */
  references: string[];
  /** A part of the experiment name (any case), or a glob when it holds `*`. */
  name?: string;
  statuses?: RunState[];
  /** Runs started at or after / before these times (ms since the epoch). */
  since?: number;
  until?: number;
  /** Tags the run must all have. */
  tags?: string[];
  where?: Expr | null;
}

export interface SelectedRuns {
  runs: RunView[];
  /** How many runs matched in all, of which `runs` holds the first `limit`. */
  total: number;
}

/** created_at comes after the time in a UUIDv7 by the time git took; never by this much. */
const START_SLACK_MS = 24 * 3600_000;

export function isFiltered(selection: Selection): boolean {
  const { name, statuses, since, until, tags, where } = selection;
  return name !== undefined || Boolean(statuses?.length) || since !== undefined || until !== undefined || Boolean(tags?.length) || Boolean(where);
}

/** The selected runs, at most `limit` of them; `total` counts every match so a cut list can say so. */
export function selectRuns(store: string, selection: Selection, limit: number, warn: Warn, progress?: OnProgress): SelectedRuns {
  const named = selection.references.length > 0;
  const ids = named ? [...new Set(selection.references.map((reference) => resolveRunRef(store, reference).runId))] : listRunIds(store).reverse();
  const filtered = isFiltered(selection);
  const aggregates = selection.where
    ? operandsOf(selection.where)
        .filter((operand) => operand.aggregate)
        .map(trackedSteps)
    : [];
  const runs: RunView[] = [];
  let total = 0;
  for (const [index, runId] of ids.entries()) {
    progress?.(index, ids.length);
    if (!named && selection.since !== undefined && isUuidV7(runId) && runIdTime(runId) < selection.since - START_SLACK_MS) break;
    if (!filtered && runs.length >= limit) {
      total++;
      continue;
    }
    const view = new RunView(store, runId, warn);
    // Runs named and nothing else asked: each is the answer, even one that cannot be read.
    if (named && !filtered) {
      total++;
      if (runs.length < limit) runs.push(view);
      continue;
    }
    const kept = readable(store, runId, warn, () => {
      if (!view.summary()) return false;
      if (aggregates.length) view.scan(aggregates);
      return matches(view, selection);
    });
    if (!kept) continue;
    total++;
    if (runs.length < limit) runs.push(view);
  }
  return { runs, total };
}

function matches(view: RunView, selection: Selection): boolean {
  const summary = view.summary()!;
  const started = Date.parse(summary.started_at);
  if (selection.since !== undefined && !(started >= selection.since)) return false;
  if (selection.until !== undefined && !(started < selection.until)) return false;
  if (selection.name !== undefined && !nameMatches(selection.name, summary.experiment_name)) return false;
  if (selection.statuses?.length && !selection.statuses.includes(summary.status)) return false;
  if (selection.tags?.length) {
    const tags = view.annotations().tags;
    if (!selection.tags.every((tag) => tags.includes(tag))) return false;
  }
  return selection.where ? evaluateWhere(selection.where, (operand) => resolveOperand(view, operand)) : true;
}

function nameMatches(pattern: string, name: string): boolean {
  const [p, n] = [pattern.toLowerCase(), name.toLowerCase()];
  return p.includes("*") ? globMatches(p, n) : n.includes(p);
}

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
  "host",
  "error",
  "diverged",
  "why",
  "from",
  "decision",
];

function runField(view: RunView, field: string): unknown {
  const summary = view.summary()!;
  switch (field) {
    case "id":
      return summary.run_id;
    case "name":
      return summary.experiment_name;
    case "tags":
      return view.annotations().tags;
    case "host":
      return view.start()?.host.hostname;
    case "error":
      return summary.error ?? undefined;
    case "diverged":
      return summary.diverged !== false;
    case "why":
      return summary.why ?? undefined;
    case "from":
      return summary.from === null ? undefined : shortId(summary.from);
    case "decision":
      return view.annotations().decision?.decision ?? "none";
    default:
      return (summary as unknown as Record<string, unknown>)[field] ?? undefined;
  }
}

/** A tracked value path without its optional `value.` prefix. */
function trackedSteps(operand: Operand): PathStep[] {
  const [first, ...rest] = operand.segments;
  return first && "key" in first && first.key === "value" ? rest : operand.segments;
}

/** One value, or a list when a path through `[]` found several; undefined when none. */
function single(values: unknown[] | undefined): unknown {
  if (!values?.length) return undefined;
  return values.length === 1 ? values[0] : values;
}

/**
 * What an operand is for a run: `params.X` its parameters, `meta.X` its merged metadata,
 * `value.X` or an aggregate its tracked series, `scheduler.X` and `devices.X` what its run_start
 * recorded of a batch job and accelerators, a run field by name; any other path is the
 * tracked value, else the metadata, else the parameter of that name (so `hparams.lr` finds
 * whichever the run has). A tracked path alone means its last value. Undefined when missing.
 */
export function resolveOperand(view: RunView, operand: Operand): unknown {
  const segments = operand.segments;
  const head = segments[0] && "key" in segments[0] ? segments[0].key : null;
  if (operand.aggregate) {
    const stats = view.seriesStats(trackedSteps(operand));
    if (operand.aggregate === "count") return stats.count;
    return stats[operand.aggregate] ?? undefined;
  }
  if (head === "params") return single(valuesAt(view.params(), segments.slice(1)));
  if (head === "meta") return single(valuesAt(view.metadata(), segments.slice(1)));
  if (head === "value") return single(view.lastValues(segments.slice(1)));
  if (head === "scheduler" || head === "devices") return single(valuesAt(view.start()?.[head] ?? {}, segments.slice(1)));
  if (segments.length === 1 && head !== null && RUN_FIELDS.includes(head)) return runField(view, head);
  return single(view.lastValues(segments)) ?? single(valuesAt(view.metadata(), segments)) ?? single(valuesAt(view.params(), segments));
}

/** A value for sorting: numbers (stored non-finite ones included) before strings, missing last. */
export function sortValue(value: unknown): number | string | null {
  if (value === undefined || value === null) return null;
  return asNumber(value) ?? (typeof value === "string" ? value : JSON.stringify(value));
}
