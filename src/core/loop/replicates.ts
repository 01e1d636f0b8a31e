/**
 * Replicates: runs of the same experiment, the same code and the same params, differing at most
 * in a seed-like param (`seed`, `random_seed`, or the project's `seed-params`). Their spread is the
 * noise a difference between configurations is measured against.
 */
import type { ProjectConfig } from "../config";
import type { RunView } from "../query/run-view";

export const DEFAULT_SEED_PARAMS = ["seed", "random_seed"];

export const seedParamsOf = (config: ProjectConfig | null) => config?.seedParams ?? DEFAULT_SEED_PARAMS;

/** What replicates share, as one string; null for a run that cannot be read. */
export function replicateKey(view: RunView, seedParams: string[]): string | null {
  const summary = view.summary();
  if (!summary) return null;
  const params = Object.entries(view.params())
    .filter(([key]) => !seedParams.includes(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([summary.experiment_name, summary.tree ?? summary.commit, params]);
}

/** The seed param a run has, if any: the first of `seedParams` among its params. */
export function seedParamOf(params: Record<string, unknown>, seedParams: string[]): string | null {
  return seedParams.find((name) => Object.hasOwn(params, name)) ?? null;
}

/**
 * The `--set` words that make `count` replicates of a run with these params: its seed param set
 * to values it has not had (an integer seed s gives s+1, s+2...; any other gives 1, 2...); with
 * no seed param, none (the same command again).
 */
export function replicateSettings(params: Record<string, unknown>, seedParams: string[], count: number): string[][] {
  const name = seedParamOf(params, seedParams);
  if (name === null) return Array.from({ length: count }, () => []);
  const current = params[name];
  const base = typeof current === "number" && Number.isSafeInteger(current) ? current : 0;
  return Array.from({ length: count }, (_, i) => [`${name}=${base + i + 1}`]);
}
