/** `exprag best`: the selected runs ranked by one number each, taken from a metric's series. */
import { EXIT, UserError } from "../errors";
import { AnnotationListing } from "../record/annotations";
import type { JsonObject } from "../record/decode";
import { shortId } from "../record/refs";
import { runFileIn, runsDir } from "../store";
import { unknownPathError } from "./known-paths";
import { type OnProgress, readable, type Warn } from "./records";
import { RunView } from "./run-view";
import { everySelectedRun, type Selection, selectRuns } from "./selection";
import { type FinishedRun, lastFromMetrics, metricKey, type RunSummary, readFinishedRun } from "./summary";
import { asNumber, type PathStep } from "./value-paths";

export type Aggregate = "last" | "max" | "min" | "mean";
export const AGGREGATES: Aggregate[] = ["last", "max", "min", "mean"];
export type Direction = "max" | "min";

export interface Ranked {
  rank: number;
  run_id: string;
  short_id: string;
  experiment_name: string;
  value: number | string;
  agg: Aggregate;
  /** How many points of the run's series the value was taken from: 1 for its last value. */
  points_used: number;
  started_at: string;
  status: string;
  diverged: boolean;
  commit: string | null;
  dirty: boolean | null;
  params: JsonObject;
}

const LOWER_IS_BETTER = /loss|err|perplex|ppl|time|latency|mse|mae|rmse|cost|regret/i;

/** Without --max or --min: a path that looks like a loss or an error ranks lowest first. */
export function guessDirection(path: string): Direction {
  return LOWER_IS_BETTER.test(path) ? "min" : "max";
}

/**
 * A run to rank: its view, whose summary the selection read; or a finished run read only as far as
 * its ranking needs (readFinishedRun), whose view is made when more is asked of it (a run shown).
 */
export class RankCandidate {
  private made: RunView | undefined;

  private constructor(
    readonly store: string,
    readonly runId: string,
    /** null: everything is read through the view. */
    readonly finished: FinishedRun | null,
    /** The view, or what a view made later is given: how to warn, the store's annotation files. */
    private readonly source: RunView | ViewContext,
  ) {}

  static of(view: RunView): RankCandidate {
    return new RankCandidate(view.store, view.runId, null, view);
  }

  static finished(store: string, runId: string, finished: FinishedRun, context: ViewContext): RankCandidate {
    return new RankCandidate(store, runId, finished, context);
  }

  view(): RunView {
    if (this.source instanceof RunView) return this.source;
    this.made ??= new RunView(this.store, this.runId, this.source.warn, this.source.listing);
    return this.made;
  }
}

interface ViewContext {
  warn: Warn;
  listing: AnnotationListing;
}

/**
 * The selected runs as candidates for a ranking by a metric. By last value with every run selected,
 * a run that ended cleanly is read only as far as its ranking needs, the rest of it only if it is
 * shown; any other run, and any other selection, is read as selectRuns reads it.
 */
export function rankCandidates(
  store: string,
  selection: Selection,
  metric: { steps: PathStep[]; agg: Aggregate },
  warn: Warn,
  progress?: OnProgress,
): RankCandidate[] {
  const ids = metric.agg === "last" ? everySelectedRun(store, selection) : null;
  if (!ids) return selectRuns(store, selection, Number.POSITIVE_INFINITY, warn, progress).runs.map(RankCandidate.of);
  const context = { warn, listing: new AnnotationListing(store) };
  const candidates: RankCandidate[] = [];
  const runs = runsDir(store);
  const wanted = metricKey(metric.steps) || null;
  for (let index = 0; index < ids.length; index++) {
    const runId = ids[index]!;
    progress?.(index, ids.length);
    const finished = readFinishedRun(runFileIn(runs, runId), runId, wanted);
    if (finished) {
      candidates.push(RankCandidate.finished(store, runId, finished, context));
      continue;
    }
    const view = new RunView(store, runId, warn, context.listing);
    if (readable(store, runId, warn, () => view.summary())) candidates.push(RankCandidate.of(view));
  }
  return candidates;
}

/**
 * Runs ranked by a metric; non-finite values rank after every finite one; runs without it come back
 * apart. Given the path as written, a path none of the runs has is a usage error naming the closest ones.
 */
export function rankRuns(
  candidates: RankCandidate[],
  steps: PathStep[],
  options: { direction: Direction; agg: Aggregate; path?: string },
  warn: Warn,
  progress?: OnProgress,
): { ranked: RankedRun[]; missing: RunSummary[] } {
  const scored: Scored[] = [];
  const missing: RunSummary[] = [];
  const key = metricKey(steps);
  const sign = options.direction === "max" ? -1 : 1;
  // Plain loops and no closures per run: this is done for every run of the store.
  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index]!;
    progress?.(index, candidates.length);
    const { store, runId, finished } = candidate;
    if (!finished && !readable(store, runId, warn, () => candidate.view().summary())) continue;
    // A finished run's last metrics were read with it: a path they hold needs no view.
    const known = finished && options.agg === "last" ? lastFromMetrics(finished.metrics, key) : undefined;
    const result = known ? lastNumber(known) : readable(store, runId, warn, () => score(candidate.view(), steps, options.agg));
    if (!result) {
      // A file that went since it was listed (warned of when it could not be read) is not one missing a value.
      const summary = summaryOfRanked(candidate.view());
      if (summary) missing.push(summary);
      continue;
    }
    const finite = Number.isFinite(result.value);
    scored.push({ candidate, value: result.value, count: result.count, finite, key: finite ? sign * result.value : 0 });
  }
  if (!scored.length && missing.length && options.path !== undefined) {
    throw unknownPathError(
      { path: options.path, option: null, trackedOnly: true },
      candidates.map((candidate) => candidate.view()),
      warn,
    );
  }
  // Best first; ties newest first; the non-finite after every finite one, in selection order.
  scored.sort((a, b) => {
    if (a.finite !== b.finite) return a.finite ? -1 : 1;
    if (!a.finite) return 0;
    return a.key - b.key || (a.candidate.runId < b.candidate.runId ? 1 : -1);
  });
  const ranked = scored.map(({ candidate, value, count: points_used }, i): RankedRun => {
    const { runId, finished } = candidate;
    const summary = finished ? null : candidate.view().summary()!;
    return {
      rank: i + 1,
      run_id: runId,
      short_id: shortId(runId),
      value: Number.isFinite(value) ? value : nonFiniteName(value),
      agg: options.agg,
      points_used,
      status: finished ? finished.status : summary!.status,
      diverged: finished ? finished.diverged : summary!.diverged !== false,
      candidate,
    };
  });
  return { ranked, missing };
}

interface Scored {
  candidate: RankCandidate;
  value: number;
  count: number;
  finite: boolean;
  /** What it is sorted by, lowest first: the value, negated when higher is better. */
  key: number;
}

/** A ranked run before it is shown: what its place and its doubts need (only the runs shown need the rest). */
export type RankedRun = Pick<Ranked, "rank" | "run_id" | "short_id" | "value" | "agg" | "points_used" | "status" | "diverged"> & { candidate: RankCandidate };

/** The ranked run as shown: with the rest of its summary, and its params. */
export function shownRun({ candidate, ...ranked }: RankedRun): Ranked {
  const view = candidate.view();
  const run = summaryOfRanked(view);
  // Read once already to rank it: only a file removed or cut meanwhile has no summary now.
  if (!run) throw new UserError(`run ${ranked.short_id} was removed or changed while it was ranked`, EXIT.failure, "ask again");
  return {
    rank: ranked.rank,
    run_id: ranked.run_id,
    short_id: ranked.short_id,
    experiment_name: run.experiment_name,
    value: ranked.value,
    agg: ranked.agg,
    points_used: ranked.points_used,
    started_at: run.started_at,
    status: ranked.status,
    diverged: ranked.diverged,
    commit: run.commit,
    dirty: run.dirty,
    params: view.params(),
  };
}

function summaryOfRanked(view: RunView): RunSummary | null {
  try {
    return view.summary();
  } catch {
    return null;
  }
}

/** One number per run for the path, by `agg`; null when the run never reported it. */
export function score(view: RunView, steps: PathStep[], agg: Aggregate): { value: number; count: number } | null {
  if (agg === "last") return lastNumber(view.lastValues(steps));
  const stats = view.seriesStats(steps);
  if (stats.count === 0) return null;
  // max and min take infinities into account (they rank last anyway); only NaN is skipped.
  return { value: stats[agg] ?? Number.NaN, count: stats.count };
}

/** The last number among a path's last values; null when none is a number. */
function lastNumber(values: unknown[] | undefined): { value: number; count: number } | null {
  for (let i = (values?.length ?? 0) - 1; i >= 0; i--) {
    const n = asNumber(values![i]);
    if (n !== null) return { value: n, count: 1 };
  }
  return null;
}

function nonFiniteName(value: number): string {
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

/** Where a ranking's direction came from: the request (`--max`/`--min`), the project's `[goal]`, or the path's name. */
export type DirectionSource = "flag" | "goal" | "path name";

/** Why a run is missing from a ranking, or why its place may mislead. */
export type RankingCaveat = "no such value" | "NaN" | "infinite" | "failed" | "crashed" | "killed" | "interrupted" | "running" | "diverged";

export interface RankingExplanation {
  /** The rule: one number per run by `agg` over `path`, best first by `direction`: given, the project goal's, or guessed from the path. */
  rule: { path: string; agg: Aggregate; direction: Direction; direction_from: DirectionSource };
  ranked: number;
  /** Runs left out of the ranking, and why. */
  left_out: { run_id: string; short_id: string; reason: "no such value" }[];
  /** Ranked runs whose place may mislead: a NaN or infinite value (ranked after every finite one), a run that did not end well. */
  caveats: { run_id: string; short_id: string; rank: number; reasons: RankingCaveat[] }[];
}

/** What `best --explain` says: the rule, the runs left out and why, and the ranked runs to doubt. */
export function explainRanking(
  ranking: { ranked: Pick<Ranked, "rank" | "run_id" | "short_id" | "value" | "status" | "diverged">[]; missing: RunSummary[] },
  rule: { path: string; agg: Aggregate; direction: Direction; from: DirectionSource },
): RankingExplanation {
  const caveats = ranking.ranked.flatMap((run) => {
    const reasons: RankingCaveat[] = [];
    if (run.value === "NaN") reasons.push("NaN");
    else if (typeof run.value === "string") reasons.push("infinite");
    if (run.status !== "ok") reasons.push(run.status as RankingCaveat);
    if (run.diverged) reasons.push("diverged");
    return reasons.length ? [{ run_id: run.run_id, short_id: run.short_id, rank: run.rank, reasons }] : [];
  });
  return {
    rule: { path: rule.path, agg: rule.agg, direction: rule.direction, direction_from: rule.from },
    ranked: ranking.ranked.length,
    left_out: ranking.missing.map((run) => ({ run_id: run.run_id, short_id: run.short_id, reason: "no such value" as const })),
    caveats,
  };
}
