/**
 * `exprag compare`: runs side by side: the params, metadata and command-line words that differ,
 * how much their code differs, and the last value of every metric.
 */
import type { CodeSize } from "../git/code-size";
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

/** How the code of a run differs from the first run's. */
export interface CodeChange {
  run_id: string;
  short_id: string;
  /** Files changed, lines added and deleted; null when it cannot be measured here (no repository, a commit it lacks). */
  size: CodeSize | null;
  /** The command that shows the difference. */
  diff: string;
}

export interface Comparison {
  runs: ComparedRun[];
  /** Each parameter leaf (read from the command line) whose value is not the same in every run (null where a run lacks it). */
  params: Record<string, unknown[]>;
  /** Each run's command-line words that not every run has (an option's value with its option); all empty when the commands are the same. */
  command_words: string[][];
  /** Each metadata leaf whose value is not the same in every run (null where a run lacks it). */
  metadata: Record<string, unknown[]>;
  /** Each environment fact (a package's version, python, a GPU model) that is not the same in every run (null where a run lacks it). */
  environment: Record<string, unknown[]>;
  /** The last value of every metric any of the runs has (null where a run lacks it). */
  metrics: Record<string, unknown[]>;
  /** The commands that show how their code differs from the first run's: only for runs whose tree differs (or is unknown). */
  code: string[];
  /** The runs whose code differs from the first run's (or cannot be told), with how much. */
  code_changes: CodeChange[];
}

/** Leaves of each run's object with dotted keys, the empty object having none. */
const leavesOf = (objects: unknown[]) => objects.map((object) => Object.fromEntries(flattenValues(object).filter(([key]) => key)));

/** `measure` tells how much the code of one run differs from another's. */
export function compareRuns(details: RunDetails[], measure: (from: string, to: string) => CodeSize | null = () => null): Comparison {
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
  // The params the script used: the command line's, with what it reported over them.
  const params = differing(leavesOf(details.map((d) => d.params)));
  const metadata = differing(leavesOf(details.map((d) => d.metadata)));
  const environment = differing(details.map((d) => (d.environment ? environmentFacts(d.environment) : {})));
  const metrics = union(details.map((d) => Object.fromEntries(d.metrics.map((m) => [m.path, m.last]))));
  const [first, ...others] = runs;
  const differs = others.filter((run) => !first!.tree || !run.tree || run.tree !== first!.tree);
  const code_changes = differs.map((run) => ({
    run_id: run.run_id,
    short_id: run.short_id,
    size: measure(first!.run_id, run.run_id),
    diff: `exprag diff ${first!.short_id} ${run.short_id}`,
  }));
  const command_words = differingWords(details.map((d) => d.start?.process.argv ?? []));
  return { runs, params, command_words, metadata, environment, metrics, code: code_changes.map((change) => change.diff), code_changes };
}

/** Each command's words that not every command has; a value keeps the option before it (`--lr 0.1`). */
export function differingWords(commands: string[][]): string[][] {
  const shared = (word: string) => commands.every((words) => words.includes(word));
  return commands.map((words) =>
    words.flatMap((word, i) => {
      if (shared(word)) return [];
      const option = words[i - 1];
      return option?.startsWith("-") && !word.startsWith("-") && shared(option) ? [option, word] : [word];
    }),
  );
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
