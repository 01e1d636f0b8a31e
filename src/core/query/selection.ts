/**
 * Which runs a command looks at, the same for every command: the runs named on the command line
 * (in that order) or every run newest first, kept by name, status, time, tags and `--where`.
 * Each run is read only as far as the question needs (see RunView).
 */
import { AnnotationListing } from "../record/annotations";
import { isUuidV7, listRunIds, resolveRunRef, runIdTime } from "../record/refs";
import type { RunState } from "../record/schema";
import { environmentFact, environmentFacts } from "./environment";
import { unknownPathError } from "./known-paths";
import { nameMatches } from "./name-glob";
import { type OnProgress, readable, type Warn } from "./records";
import { RUN_FIELDS, runField } from "./run-fields";
import { RunView } from "./run-view";
import { asNumber, type PathStep, valuesAt } from "./value-paths";
import { type Expr, evaluateWhere, type Operand, operandsOf } from "./where";

export interface Selection {
  /** Run references given on the command line; empty: every run. */
  references: string[];
  /** The experiment name (any case), or a glob when it holds `*`, `?` or `[...]`. */
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

/** Every run's id, newest first, when the selection keeps every run (none named, nothing filtered); else null. */
export function everySelectedRun(store: string, selection: Selection): string[] | null {
  return selection.references.length || isFiltered(selection) ? null : listRunIds(store).reverse();
}

/** The selected runs, at most `limit` of them; `total` counts every match so a cut list can say so. */
export function selectRuns(store: string, selection: Selection, limit: number, warn: Warn, progress?: OnProgress): SelectedRuns {
  const runs: RunView[] = [];
  const total = visitRuns(store, selection, limit, warn, (view) => runs.push(view), progress);
  return { runs, total };
}

/**
 * selectRuns, handing each of the first `limit` selected runs to `onRun` in order instead of
 * holding them; returns how many matched in all. With `--where`, a path that no run has throws
 * once every run was read, before any run is handed on: runs are held only until each path of
 * the condition has been seen in some run (usually the first).
 */
export function visitRuns(store: string, selection: Selection, limit: number, warn: Warn, onRun: (view: RunView) => void, progress?: OnProgress): number {
  const named = selection.references.length > 0;
  const ids = named ? [...new Set(selection.references.map((reference) => resolveRunRef(store, reference).runId))] : listRunIds(store).reverse();
  const filtered = isFiltered(selection);
  const aggregates = selection.where
    ? operandsOf(selection.where)
        .filter((operand) => operand.aggregate)
        .map(trackedSteps)
    : [];
  const checked = selection.where ? operandsOf(selection.where).filter(mustExist) : [];
  const found = new Set<string>();
  /** The runs the other filters kept, where a `--where` path must be found at least once. */
  const candidates: RunView[] = [];
  const resolve = (view: RunView) => (operand: Operand) => {
    if (!found.has(operand.text) && hasOperand(view, operand)) found.add(operand.text);
    return resolveOperand(view, operand);
  };
  const unseen = () => checked.some((operand) => !found.has(operand.text));
  /** Selected runs not yet handed on: while a path is unseen, the answer may still be that usage error. */
  let held: RunView[] = [];
  const handOn = (view: RunView) => {
    if (unseen()) return void held.push(view);
    for (const waiting of held) onRun(waiting);
    held = [];
    onRun(view);
  };
  let kept = 0;
  let total = 0;
  const annotationListing = new AnnotationListing(store);
  for (const [index, runId] of ids.entries()) {
    progress?.(index, ids.length);
    if (!named && selection.since !== undefined && isUuidV7(runId) && runIdTime(runId) < selection.since - START_SLACK_MS) break;
    if (!filtered && kept >= limit) {
      total++;
      continue;
    }
    const view = new RunView(store, runId, warn, annotationListing);
    // Runs named and nothing else asked: each is the answer, even one that cannot be read.
    if (named && !filtered) {
      total++;
      if (kept < limit) {
        kept++;
        onRun(view);
      }
      continue;
    }
    let candidate = false;
    const select = () => {
      if (!view.summary() || !matches(view, selection)) return false;
      if (!selection.where) return true;
      // Kept for the message about a path no run has, only while one is still unseen.
      candidate = unseen();
      if (candidate) candidates.push(view);
      if (aggregates.length) view.scan(aggregates);
      return evaluateWhere(selection.where, resolve(view));
    };
    // An aggregate reads every line: the summary comes from the same read of the file.
    const matched = readable(store, runId, warn, () => (aggregates.length ? view.withFile(select, aggregates) : select()));
    // A path the condition did not reach (`a and b` with `a` false) may still be the run's.
    if (candidate)
      for (const operand of checked) if (!found.has(operand.text) && readable(store, runId, warn, () => hasOperand(view, operand))) found.add(operand.text);
    if (!matched) continue;
    total++;
    if (kept < limit) {
      kept++;
      handOn(view);
    }
  }
  for (const operand of checked)
    if (!found.has(operand.text) && candidates.length)
      throw unknownPathError({ path: operand.text, option: "--where", trackedOnly: false }, candidates, warn, RUN_FIELDS);
  for (const view of held) onRun(view);
  return total;
}

/** Run fields, batch job and devices are there to be asked about even when no run has them; any other path must be found. */
export function mustExist(operand: Operand): boolean {
  const [first] = operand.segments;
  const head = first && "key" in first ? first.key : null;
  if (operand.segments.length === 1 && head !== null && RUN_FIELDS.includes(head)) return false;
  return head !== "scheduler" && head !== "devices";
}

/** Whether the run has a value for the operand (an aggregate: at least one number in the series). */
export function hasOperand(view: RunView, operand: Operand): boolean {
  if (operand.aggregate) return view.seriesStats(trackedSteps(operand)).count > 0;
  return resolveOperand(view, operand) !== undefined;
}

/** The filters besides `--where`: name, status, time and tags. */
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
  return true;
}

/** Whether a `--where` condition holds for a run; its aggregates come from one pass over the file. */
export function whereHolds(view: RunView, where: Expr): boolean {
  const aggregates = operandsOf(where).filter((operand) => operand.aggregate);
  if (aggregates.length) view.scan(aggregates.map(trackedSteps));
  return evaluateWhere(where, (operand) => resolveOperand(view, operand));
}

/** What run_end keeps of the system samples: `system.peak_rss_bytes`, `system.gpus.gpu0.peak_memory_used`... */
const SYSTEM_PEAKS = ["samples", "peak_rss_bytes", "peak_cpu_percent", "gpus", "gpu_error"];

/** A tracked value path without its optional `value.` prefix (the same list each time it is asked for). */
export function trackedSteps(operand: Operand): PathStep[] {
  const first = operand.segments[0];
  if (!(first && "key" in first && first.key === "value")) return operand.segments;
  const known = tracked.get(operand);
  if (known) return known;
  const steps = operand.segments.slice(1);
  tracked.set(operand, steps);
  return steps;
}
const tracked = new WeakMap<Operand, PathStep[]>();

/** One value, or a list when a path through `[]` found several; undefined when none. */
export function single(values: unknown[] | undefined): unknown {
  if (!values?.length) return undefined;
  return values.length === 1 ? values[0] : values;
}

/**
 * What an operand is for a run: `params.X` its parameters, `meta.X` its merged metadata,
 * `value.X` or an aggregate its tracked series, `scheduler.X` and `devices.X` what its run_start
 * recorded of a batch job and accelerators, `env.X` its environment (`env.torch`, `env.python`,
 * `env.gpu0`; see environment.ts), `system.peak_*` and `system.gpus.*` run_end's peaks of the
 * system samples, a run field by name; any other path is the
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
  if (head === "env" && segments.length > 1) {
    const key = segments
      .slice(1)
      .map((segment) => ("key" in segment ? segment.key : "[]"))
      .join(".");
    // A package or python is in run_start; only the GPUs need the file read further.
    return environmentFact(environmentFacts(view.environment(false)), key) ?? environmentFact(environmentFacts(view.environment(true)), key);
  }
  // run_end's summary of the samples: no series read.
  const peak = segments[1] && "key" in segments[1] ? segments[1].key : null;
  if (head === "system" && peak !== null && SYSTEM_PEAKS.includes(peak)) return single(valuesAt(view.summary()?.system ?? {}, segments.slice(1)));
  if (head === "scheduler" || head === "devices") return single(valuesAt(view.start()?.[head] ?? {}, segments.slice(1)));
  if (segments.length === 1 && head !== null && RUN_FIELDS.includes(head)) return runField(view, head);
  return single(view.lastValues(segments)) ?? single(valuesAt(view.metadata(), segments)) ?? single(valuesAt(view.params(), segments));
}

/**
 * The one value an operand shows or ranks by (ls --columns, --sort): a path through a list
 * (layers[].loss) gives its last element, as best and show read it; --where holds for any element.
 */
export function shownValue(view: RunView, operand: Operand): unknown {
  const value = resolveOperand(view, operand);
  return Array.isArray(value) && operand.segments.some((segment) => "each" in segment) ? value.at(-1) : value;
}

/** A value for sorting: numbers (stored non-finite ones included) before strings, missing last. */
export function sortValue(value: unknown): number | string | null {
  if (value === undefined || value === null) return null;
  return asNumber(value) ?? (typeof value === "string" ? value : JSON.stringify(value));
}
