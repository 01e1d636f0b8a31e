/** What differs between two runs: their params, leaf by leaf, and whether their code is the same. */
import { flattenValues } from "../query/flatten";
import type { RunView } from "../query/run-view";

export interface Changes {
  /** Each param leaf that differs: [the first run's value, the second's] (null where one lacks it). */
  params: Record<string, [unknown, unknown]>;
  /** Whether their code is the same (equal trees); null when one of them does not say. */
  same_code: boolean | null;
}

export function changesBetween(first: RunView, second: RunView): Changes {
  const leaves = (view: RunView) => new Map(flattenValues(view.params()).filter(([key]) => key));
  const [a, b] = [leaves(first), leaves(second)];
  const params: Record<string, [unknown, unknown]> = {};
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const [before, after] = [a.get(key) ?? null, b.get(key) ?? null];
    if (JSON.stringify(before) !== JSON.stringify(after)) params[key] = [before, after];
  }
  const code = (view: RunView) => view.summary()?.tree ?? view.summary()?.commit ?? null;
  const [ca, cb] = [code(first), code(second)];
  return { params, same_code: ca === null || cb === null ? null : ca === cb };
}
