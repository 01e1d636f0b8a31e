/** `exprag compare`: runs side by side, the metadata that differs and the last value of every metric. */
import { environmentFacts } from "./environment";
import { flattenValues } from "./flatten";
import type { RunDetails } from "./show";

export interface ComparedRun {
  run_id: string;
  short_id: string;
  experiment_name: string;
  status: string;
  exit_code: number | null;
  duration_ms: number | null;
  commit: string | null;
  /** The tree of the commit: equal trees, equal code. */
  tree: string | null;
  dirty: boolean | null;
  started_at: string;
  signal: string | null;
}

export interface Comparison {
  runs: ComparedRun[];
  /** Each metadata leaf whose value is not the same in every run (null where a run lacks it). */
  metadata: Record<string, unknown[]>;
  /** Each environment fact (a package's version, python, a GPU model) that is not the same in every run (null where a run lacks it). */
  environment: Record<string, unknown[]>;
  /** The last value of every metric any of the runs has (null where a run lacks it). */
  metrics: Record<string, unknown[]>;
  /** The commands that show how their code differs from the first run's: only for runs whose tree differs (or is unknown). */
  code: string[];
}

export function compareRuns(details: RunDetails[]): Comparison {
  const runs = details.map(({ summary: s, end }) => ({
    run_id: s.run_id,
    short_id: s.short_id,
    experiment_name: s.experiment_name,
    status: s.status,
    exit_code: s.exit_code,
    duration_ms: s.duration_ms,
    commit: s.commit,
    tree: s.tree,
    dirty: s.dirty,
    started_at: s.started_at,
    signal: end?.signal ?? null,
  }));
  const metadata = differing(details.map((d) => Object.fromEntries(flattenValues(d.metadata).filter(([key]) => key))));
  const environment = differing(details.map((d) => (d.environment ? environmentFacts(d.environment) : {})));
  const metrics = union(details.map((d) => Object.fromEntries(d.metrics.map((m) => [m.path, m.last]))));
  const [first, ...others] = runs;
  const differs = others.filter((run) => !first!.tree || !run.tree || run.tree !== first!.tree);
  return { runs, metadata, environment, metrics, code: differs.map((run) => `exprag diff ${first!.short_id} ${run.short_id}`) };
}

/** Keys whose values are not the same in every run (null where a run lacks the key). */
export function differing(maps: Record<string, unknown>[]): Record<string, unknown[]> {
  return Object.fromEntries(Object.entries(union(maps)).filter(([, values]) => new Set(values.map((v) => JSON.stringify(v))).size > 1));
}

/** Every key of any map, with each map's value (null where it lacks the key), keys sorted. */
export function union(maps: Record<string, unknown>[]): Record<string, unknown[]> {
  const keys = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
  return Object.fromEntries(keys.map((key) => [key, maps.map((m) => (Object.hasOwn(m, key) ? m[key] : null))]));
}
