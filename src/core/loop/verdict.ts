/**
 * `exprag verdict A B`: is run A better than run B on the goal metric, or is the difference noise?
 * Each side is its run's replicates (replicates.ts); the difference of their means is judged by
 * the rule in welch.ts against the noise the replicates show, else against the spread of other
 * configurations' replicates of the same experiments, else the noise is unknown and the answer
 * says which command would measure it.
 */

import { usageError } from "../errors";
import type { Git } from "../git/repository";
import { type Aggregate, type Direction, score } from "../query/best";
import { unknownPathError } from "../query/known-paths";
import { readable, type Warn } from "../query/records";
import { RunView } from "../query/run-view";
import { selectRuns } from "../query/selection";
import { jsonNumber } from "../query/value-paths";
import { resolveReadableRun, shortId } from "../record/refs";
import { isUnended } from "../record/schema";
import { type Changes, changedPaths, changesBetween } from "./changes";
import type { Goal } from "./goal";
import { sampleStats } from "./numbers";
import { replicateKey } from "./replicates";
import { criticalT, type Noise, pooledNoise, pooledStd, welchNoise } from "./welch";

export type VerdictKind = "better" | "worse" | "within-noise" | "not-comparable" | "unknown-noise";

export interface VerdictRequest {
  a: string;
  b: string;
  goal: Goal;
  agg: Aggregate;
  seedParams: string[];
  /** The repository, to name the files that differ when the runs' code does; null without one. */
  git: Git | null;
}

export interface Side {
  run_id: string;
  short_id: string;
  /** The run's own value; null when it never reported the metric. */
  value: number | null;
  /** Its replicates (itself included) that have the metric: how many, their mean and spread. */
  replicates: { n: number; mean: number | null; std: number | null; runs: string[] };
}

export interface VerdictAnswer {
  verdict: VerdictKind;
  reason: string;
  metric: string;
  direction: Direction;
  agg: Aggregate;
  a: Side;
  b: Side;
  /** mean(A) - mean(B), over their replicates. */
  difference: number | null;
  noise:
    | (Noise & {
        /** How many standard errors apart the means are ("Infinity" or "-Infinity" with no noise at all), and how many count as a real difference. */
        t: number | string;
        threshold: number;
        source: "replicates" | "replicates-of-a" | "replicates-of-b" | "comparable-runs";
        /** Where the noise was measured, in words. */
        from: string;
      })
    | null;
  /** What differs between A and B: params (A's value, B's value) and whether the code is the same. */
  differs: Changes;
  /** Commands that would settle an unknown-noise verdict. */
  settle: string[];
}

interface Candidate {
  view: RunView;
  key: string;
  value: number;
}

export function judgeRuns(store: string, request: VerdictRequest, warn: Warn): VerdictAnswer {
  const [a, b] = [request.a, request.b].map((reference) => new RunView(store, resolveReadableRun(store, reference).runId, warn)) as [RunView, RunView];
  if (a.runId === b.runId) throw usageError(`${request.a} and ${request.b} are the same run, ${shortId(a.runId)}`, "name two runs: exprag verdict A B");
  const scoreOf = (view: RunView) => readable(store, view.runId, warn, () => (view.summary() ? score(view, request.goal.steps, request.agg) : null));
  const metricOf = (view: RunView) => {
    const found = scoreOf(view);
    return found && Number.isFinite(found.value) ? found.value : null;
  };
  // Neither run has the path at all, and neither may still report it: a typo, told as best tells it.
  const ended = (view: RunView) => !isUnended(view.summary()?.status ?? "unknown");
  if (ended(a) && ended(b) && !scoreOf(a) && !scoreOf(b)) throw unknownPathError({ path: request.goal.metric, option: null, trackedOnly: true }, [a, b], warn);
  const names = new Set([a, b].map((view) => view.summary()?.experiment_name));
  // Candidates: finished runs of the same experiments with the metric, in one pass over the store.
  const candidates: Candidate[] = [];
  for (const view of selectRuns(store, { references: [], statuses: ["ok"] }, Number.POSITIVE_INFINITY, warn).runs) {
    if (!names.has(view.summary()?.experiment_name)) continue;
    const key = replicateKey(view, request.seedParams);
    const value = key === null ? null : metricOf(view);
    if (key !== null && value !== null) candidates.push({ view, key, value });
  }
  const keys = new Map([a, b].map((view) => [view, replicateKey(view, request.seedParams)]));
  const side = (view: RunView): Side => {
    const key = keys.get(view)!;
    const members = candidates.filter((c) => c.key === key);
    if (!members.some((c) => c.view.runId === view.runId)) {
      const own = metricOf(view);
      if (own !== null) members.push({ view, key: key ?? "", value: own });
    }
    const stats = sampleStats(members.map((c) => c.value));
    return {
      run_id: view.runId,
      short_id: shortId(view.runId),
      value: metricOf(view),
      replicates: { n: stats.n, mean: stats.mean, std: stats.std, runs: members.map((c) => shortId(c.view.runId)) },
    };
  };
  const [sa, sb] = [side(a), side(b)];
  const base = {
    metric: request.goal.metric,
    direction: request.goal.direction,
    agg: request.agg,
    a: sa,
    b: sb,
    differs: withFiles(changesBetween(a, b), request.git, a, b),
  };
  // A run still going has no value yet, and one that failed or was stopped none of its configuration's.
  const unfinished = [a, b].filter((view) => view.summary()?.status !== "ok");
  if (unfinished.length)
    return {
      ...base,
      verdict: "not-comparable",
      reason: unfinished
        .map((view) => `${shortId(view.runId)} ${isUnended(view.summary()!.status) ? "has not ended" : "did not end ok"} (${view.summary()!.status})`)
        .join(" and "),
      difference: null,
      noise: null,
      settle: unfinished.filter((view) => isUnended(view.summary()!.status)).map((view) => `exprag wait ${shortId(view.runId)}`),
    };
  const missing = [sa, sb].filter((s) => s.value === null).map((s) => s.short_id);
  if (missing.length)
    return {
      ...base,
      verdict: "not-comparable",
      reason: `${missing.join(" and ")} never reported ${request.goal.metric} as a finite number`,
      difference: null,
      noise: null,
      settle: [],
    };
  const difference = sa.replicates.mean! - sb.replicates.mean!;
  const noise = measureNoise(sa, sb, candidates);
  if (!noise) {
    const settle = [sa, sb].filter((s) => s.replicates.n < 2).map((s) => `exprag rerun ${s.short_id} --seeds 3`);
    return {
      ...base,
      verdict: "unknown-noise",
      reason: `neither run has replicates, nor do other configurations of ${[...names].join(", ")}: the noise is unknown`,
      difference,
      noise: null,
      settle,
    };
  }
  const t = noise.std_error === 0 ? (difference === 0 ? 0 : Math.sign(difference) * Number.POSITIVE_INFINITY) : difference / noise.std_error;
  const threshold = criticalT(noise.df);
  // Values near the largest double: their difference or noise overflows, and no test can be made.
  if (Number.isNaN(t) || Number.isNaN(threshold) || !Number.isFinite(difference))
    return {
      ...base,
      verdict: "not-comparable",
      reason: `the values are too large to compare: their difference or their noise is not a finite number`,
      difference: Number.isFinite(difference) ? difference : null,
      noise: null,
      settle: [],
    };
  const gain = request.goal.direction === "max" ? t : -t;
  const verdict: VerdictKind = Math.abs(t) < threshold ? "within-noise" : gain > 0 ? "better" : "worse";
  const by = Number.isFinite(t) ? `differ by ${Math.abs(t).toFixed(2)} standard errors` : "differ, with no noise at all";
  // A and B replicates of one configuration: their sides are one pool, whose difference is noise.
  const reason =
    keys.get(a) !== null && keys.get(a) === keys.get(b)
      ? "A and B are replicates of one configuration (the same experiment, code, command and params but for the seed): they differ only by noise"
      : verdict === "within-noise"
        ? `the means ${by}, under the ${threshold.toFixed(2)} that a real difference needs (Welch t-test, 5%)`
        : `A is ${verdict} than B: the means ${by}, beyond ${threshold.toFixed(2)} (Welch t-test, 5%)`;
  return { ...base, verdict, reason, difference, noise: { ...noise, t: jsonNumber(t) as number | string, threshold }, settle: [] };
}

function measureNoise(a: Side, b: Side, candidates: Candidate[]): (Noise & { source: NonNullable<VerdictAnswer["noise"]>["source"]; from: string }) | null {
  const [ra, rb] = [a.replicates, b.replicates];
  if (ra.n >= 2 && rb.n >= 2)
    return { ...welchNoise({ n: ra.n, std: ra.std! }, { n: rb.n, std: rb.std! }), source: "replicates", from: `the replicates of A (${ra.n}) and B (${rb.n})` };
  if (ra.n >= 2) return { ...pooledNoise(ra.std!, ra.n - 1, ra.n, rb.n), source: "replicates-of-a", from: `the ${ra.n} replicates of A` };
  if (rb.n >= 2) return { ...pooledNoise(rb.std!, rb.n - 1, ra.n, rb.n), source: "replicates-of-b", from: `the ${rb.n} replicates of B` };
  const groups = new Map<string, number[]>();
  for (const c of candidates) groups.set(c.key, [...(groups.get(c.key) ?? []), c.value]);
  const samples = [...groups.values()]
    .map(sampleStats)
    .filter((s) => s.n >= 2)
    .map((s) => ({ n: s.n, std: s.std! }));
  const pooled = pooledStd(samples);
  if (!pooled) return null;
  return {
    ...pooledNoise(pooled.std, pooled.df, ra.n, rb.n),
    source: "comparable-runs",
    from: `the spread within ${samples.length} other configuration${samples.length === 1 ? "" : "s"} with replicates (${samples.reduce((sum, s) => sum + s.n, 0)} runs)`,
  };
}

/** The changes, with the files that differ (B's code to A's) when the code does and git can say. */
function withFiles(changes: Changes, git: Git | null, a: RunView, b: RunView): Changes {
  if (changes.same_code !== false) return changes;
  const files = changedPaths(git, b, a);
  return files ? { ...changes, files } : changes;
}
