/**
 * Replicates: runs of the same experiment, the same code, the same command and the same params,
 * differing at most in a seed-like param (`seed`, `random_seed`, or the project's `seed-params`).
 * Their spread is the noise a difference between configurations is measured against.
 */
import type { ProjectConfig } from "../config";
import type { Warn } from "../query/records";
import { RunView } from "../query/run-view";
import { selectRuns } from "../query/selection";
import { setParam } from "../sweep/set-param";

export const DEFAULT_SEED_PARAMS = ["seed", "random_seed"];

export const seedParamsOf = (config: ProjectConfig | null) => config?.seedParams ?? DEFAULT_SEED_PARAMS;

/** What replicates share, as one string; null for a run that cannot be read. */
export function replicateKey(view: RunView, seedParams: string[]): string | null {
  const summary = view.summary();
  if (!summary) return null;
  const params = Object.entries(view.params())
    .filter(([key]) => !seedParams.includes(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const argv = view.start()?.process.argv ?? null;
  return JSON.stringify([summary.experiment_name, summary.tree ?? summary.commit, params, argv && withoutSeed(argv, seedParams, view.params())]);
}

/**
 * The command with its seed params' values blanked: words that are no params (`./train.sh 0.5`,
 * or any word of a run recorded without params) make two runs different configurations. A seed
 * given as a short option (`-s 1`, which the script's parser reported as seed) is blanked where
 * its value follows one.
 */
function withoutSeed(argv: string[], seedParams: string[], params: Record<string, unknown>): string[] {
  return seedParams.reduce((command, name) => {
    const set = setParam(command, name, "");
    if (set) return set;
    const value = params[name];
    if (value === undefined || value === null || typeof value === "object") return command;
    return command.map((word, i) => (i > 1 && word === String(value) && /^-[^-]/.test(command[i - 1]!) ? "" : word));
  }, argv);
}

/** The seed param a run has, if any: the first of `seedParams` among its params. */
export function seedParamOf(params: Record<string, unknown>, seedParams: string[]): string | null {
  return seedParams.find((name) => Object.hasOwn(params, name)) ?? null;
}

/**
 * The `--set` words that make `count` replicates of a run with these params: its seed param set
 * to values no replicate has had (`inUse`; an integer seed s gives the first free of s+1, s+2...;
 * any other the first free of 1, 2...); with no seed param, none (the same command again).
 */
export function replicateSettings(params: Record<string, unknown>, seedParams: string[], count: number, inUse: Set<unknown> = new Set()): string[][] {
  const name = seedParamOf(params, seedParams);
  if (name === null) return Array.from({ length: count }, () => []);
  const current = params[name];
  const seeds: number[] = [];
  for (let seed = (typeof current === "number" && Number.isSafeInteger(current) ? current : 0) + 1; seeds.length < count; seed++) {
    if (!inUse.has(seed)) seeds.push(seed);
  }
  return seeds.map((seed) => [`${name}=${seed}`]);
}

/** The values of its seed param that run `runId` and the store's other replicates of it have (unreadable runs passed over quietly). */
export function seedsInUse(store: string, runId: string, seedParams: string[]): Set<unknown> {
  const quiet: Warn = () => {};
  const source = new RunView(store, runId, quiet);
  const key = replicateKey(source, seedParams);
  const name = seedParamOf(source.params(), seedParams);
  const seeds = new Set<unknown>();
  if (key === null || name === null) return seeds;
  for (const view of selectRuns(store, { references: [] }, Number.POSITIVE_INFINITY, quiet).runs) {
    if (replicateKey(view, seedParams) === key) seeds.add(view.params()[name]);
  }
  return seeds;
}
