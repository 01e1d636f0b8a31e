/** `exprag best`: the selected runs ranked by one number each, taken from a metric's series. */
import type { JsonObject } from "../record/decode";
import { unknownPathError } from "./known-paths";
import { type OnProgress, readable, type Warn } from "./records";
import type { RunView } from "./run-view";
import type { RunSummary } from "./summary";
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
 * Runs ranked by a metric; non-finite values rank after every finite one; runs without it come back
 * apart. Given the path as written, a path none of the runs has is a usage error naming the closest ones.
 */
export function rankRuns(
  views: RunView[],
  steps: PathStep[],
  options: { direction: Direction; agg: Aggregate; path?: string },
  warn: Warn,
  progress?: OnProgress,
): { ranked: RankedRun[]; missing: RunSummary[] } {
  const scored: { view: RunView; value: number; count: number }[] = [];
  const missing: RunSummary[] = [];
  for (const [index, view] of views.entries()) {
    progress?.(index, views.length);
    if (!readable(view.store, view.runId, warn, () => view.summary())) continue;
    const result = readable(view.store, view.runId, warn, () => score(view, steps, options.agg));
    if (result) scored.push({ view, ...result });
    else missing.push(view.summary()!);
  }
  if (!scored.length && missing.length && options.path !== undefined) {
    throw unknownPathError({ path: options.path, option: null, trackedOnly: true }, views, warn);
  }
  const sign = options.direction === "max" ? -1 : 1;
  scored.sort((a, b) => {
    const [fa, fb] = [Number.isFinite(a.value), Number.isFinite(b.value)];
    if (fa !== fb) return fa ? -1 : 1;
    if (!fa) return 0;
    return sign * (a.value - b.value) || (a.view.runId < b.view.runId ? 1 : -1);
  });
  const ranked = scored.map(({ view, value, count: points_used }, i) => {
    const run = view.summary()!;
    return {
      rank: i + 1,
      run_id: run.run_id,
      short_id: run.short_id,
      experiment_name: run.experiment_name,
      value: Number.isFinite(value) ? value : nonFiniteName(value),
      agg: options.agg,
      points_used,
      started_at: run.started_at,
      status: run.status,
      diverged: run.diverged !== false,
      commit: run.commit,
      dirty: run.dirty,
      view,
    };
  });
  return { ranked, missing };
}

/** A ranked run before its params are read (only the runs shown need them). */
export type RankedRun = Omit<Ranked, "params"> & { view: RunView };

/** The ranked run as shown: with its params. */
export function withParams({ view, ...ranked }: RankedRun): Ranked {
  return { ...ranked, params: view.params() };
}

/** One number per run for the path, by `agg`; null when the run never reported it. */
export function score(view: RunView, steps: PathStep[], agg: Aggregate): { value: number; count: number } | null {
  if (agg === "last") {
    const numbers = (view.lastValues(steps) ?? []).map(asNumber).filter((n): n is number => n !== null);
    return numbers.length ? { value: numbers.at(-1)!, count: 1 } : null;
  }
  const stats = view.seriesStats(steps);
  if (stats.count === 0) return null;
  // max and min take infinities into account (they rank last anyway); only NaN is skipped.
  return { value: stats[agg] ?? Number.NaN, count: stats.count };
}

function nonFiniteName(value: number): string {
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

/** Why a run is missing from a ranking, or why its place may mislead. */
export type RankingCaveat = "no such value" | "NaN" | "infinite" | "failed" | "crashed" | "killed" | "interrupted" | "running" | "diverged";

export interface RankingExplanation {
  /** The rule: one number per run by `agg` over `path`, best first by `direction`, which was given or guessed from the path. */
  rule: { path: string; agg: Aggregate; direction: Direction; direction_from: "flag" | "path name" };
  ranked: number;
  /** Runs left out of the ranking, and why. */
  left_out: { run_id: string; short_id: string; reason: "no such value" }[];
  /** Ranked runs whose place may mislead: a NaN or infinite value (ranked after every finite one), a run that did not end well. */
  caveats: { run_id: string; short_id: string; rank: number; reasons: RankingCaveat[] }[];
}

/** What `best --explain` says: the rule, the runs left out and why, and the ranked runs to doubt. */
export function explainRanking(
  ranking: { ranked: Omit<Ranked, "params">[]; missing: RunSummary[] },
  rule: { path: string; agg: Aggregate; direction: Direction; guessed: boolean },
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
    rule: { path: rule.path, agg: rule.agg, direction: rule.direction, direction_from: rule.guessed ? "path name" : "flag" },
    ranked: ranking.ranked.length,
    left_out: ranking.missing.map((run) => ({ run_id: run.run_id, short_id: run.short_id, reason: "no such value" as const })),
    caveats,
  };
}
