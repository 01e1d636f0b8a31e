/**
 * `exprag ls`: the selected runs with what tells them apart. Besides status, code and last
 * metrics, a run's parameters and metadata leaves that differ among the listed runs (the ones the
 * same everywhere add nothing), or the columns asked for, and an optional sort.
 */
import type { Decision } from "../record/annotations";
import type { JsonObject } from "../record/decode";
import { differing } from "./compare";
import { flattenValues } from "./flatten";
import { unknownPathError } from "./known-paths";
import type { OnProgress, Warn } from "./records";
import { RUN_FIELDS } from "./run-fields";
import type { RunView } from "./run-view";
import { hasOperand, mustExist, type SelectedRuns, type Selection, selectRuns, shownValue, sortValue, visitRuns } from "./selection";
import type { RunSummary } from "./summary";
import { jsonNumber } from "./value-paths";
import type { Operand } from "./where";

export interface ListedRun extends RunSummary {
  params: JsonObject;
  /** `--meta` merged with every `$meta` record. */
  metadata: JsonObject;
  tags: string[];
  /** The notes given to the run later (`exprag note`), oldest first; the script's own `$note`s are in show. */
  notes: string[];
  /** The decision that stands about the run (keep or discard), null while undecided. */
  decision: Decision | null;
  /** The values of the operand columns asked for (`--columns`), by column name. */
  columns?: Record<string, unknown>;
}

export interface ListOptions {
  limit: number;
  /** Operand columns (`params.lr`, `max(metrics.acc)`), in the order asked for. */
  columns: Operand[];
  sort: { operand: Operand; descending: boolean } | null;
}

export interface Listing {
  runs: ListedRun[];
  total: number;
  /** Parameter and metadata leaves whose values differ among the listed runs: `params.lr`, `meta.seed`. */
  differing: string[];
}

export function listRuns(store: string, selection: Selection, options: ListOptions, warn: Warn, progress?: OnProgress): Listing {
  // A sort looks at every match before the limit.
  const selected: SelectedRuns = selectRuns(store, selection, options.sort ? Number.POSITIVE_INFINITY : options.limit, warn, progress);
  // A run named whose file cannot be read was warned of; it is skipped, as a listing of every run skips it.
  let views = selected.runs.filter((view) => view.summary());
  const total = selected.total - (selected.runs.length - views.length);
  const asked = [...options.columns.map((operand) => ["--columns", operand] as const), ...(options.sort ? [["--sort", options.sort.operand] as const] : [])];
  for (const [option, operand] of asked) {
    if (!views.length || !mustExist(operand) || views.some((view) => hasOperand(view, operand))) continue;
    throw unknownPathError({ path: operand.text, option, trackedOnly: false }, views, warn, RUN_FIELDS);
  }
  if (options.sort) views = sortViews(views, options.sort.operand, options.sort.descending).slice(0, options.limit);
  const runs = views.map((view) => listedRun(view, options.columns));
  const leaves = (run: ListedRun) => ({
    ...Object.fromEntries(flattenValues(run.params, "params").filter(([key]) => key !== "params")),
    ...Object.fromEntries(flattenValues(run.metadata, "meta").filter(([key]) => key !== "meta")),
  });
  return { runs, total, differing: runs.length > 1 ? Object.keys(differing(runs.map(leaves))) : [] };
}

/** The runs of a listing without columns or sort, each handed on as it is read (none held); returns how many matched. */
export function forEachListedRun(
  store: string,
  selection: Selection,
  limit: number,
  warn: Warn,
  onRun: (run: ListedRun) => void,
  progress?: OnProgress,
): number {
  let unreadable = 0;
  const total = visitRuns(store, selection, limit, warn, (view) => (view.summary() ? onRun(listedRun(view)) : unreadable++), progress);
  return total - unreadable;
}

/** A run as ls --json gives it (wait too): its summary, params, merged metadata, tags, notes and decision. */
export function listedRun(view: RunView, columns: Operand[] = []): ListedRun {
  const { tags, decision } = view.annotations();
  const run: ListedRun = { ...view.summary()!, params: view.params(), metadata: view.metadata(), tags, notes: view.notes(), decision };
  if (columns.length) run.columns = Object.fromEntries(columns.map((operand) => [operand.text, jsonNumber(shownValue(view, operand)) ?? null]));
  return run;
}

/** Runs by an operand's value: numbers first, then strings, then runs without it; ties newest first. */
export function sortViews(views: RunView[], operand: Operand, descending: boolean): RunView[] {
  const keyed = views.map((view, index) => ({ view, index, key: sortValue(shownValue(view, operand)) }));
  const rank = (key: number | string | null) => (key === null ? 2 : typeof key === "number" ? (Number.isNaN(key) ? 1.5 : 0) : 1);
  keyed.sort((a, b) => {
    const byKind = rank(a.key) - rank(b.key);
    if (byKind !== 0) return byKind;
    if (a.key === null || b.key === null || (typeof a.key === "number" && Number.isNaN(a.key))) return a.index - b.index;
    const order = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    return (descending ? -order : order) || a.index - b.index;
  });
  return keyed.map(({ view }) => view);
}
