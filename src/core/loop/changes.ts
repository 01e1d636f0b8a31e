/** What differs between two runs: their params, leaf by leaf, and whether their code is the same. */
import { changedFiles } from "../git/diff";
import { type Git, openRepository } from "../git/repository";
import { flattenValues } from "../query/flatten";
import type { RunView } from "../query/run-view";
import { OBJECT_ID } from "../record/decode";

export interface Changes {
  /** Each param leaf that differs: [the first run's value, the second's] (null where one lacks it). */
  params: Record<string, [unknown, unknown]>;
  /** Whether their code is the same (equal trees); null when one of them does not say. */
  same_code: boolean | null;
  /** The files that differ, from the first run's code to the second's, when the code differs and git could say. */
  files?: string[];
}

/** The paths that differ between two runs' commits; null when git cannot say (no repository, a commit missing). */
export function changedPaths(git: Git | null, first: RunView, second: RunView): string[] | null {
  const [a, b] = [first.summary()?.commit, second.summary()?.commit];
  if (!git || !a || !b || !OBJECT_ID.test(a) || !OBJECT_ID.test(b)) return null;
  try {
    return changedFiles(git, [a, b]).map((file) => file.path);
  } catch {
    return null;
  }
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

/** The repository `cwd` is in, for changedPaths; null outside one. */
export function repositoryAt(cwd: string, env: NodeJS.ProcessEnv): Git | null {
  const opened = openRepository(cwd, env);
  return typeof opened === "string" ? null : opened.git;
}

/** What changed from the parent, in a few words: `lr 0.1->0.03, code`. */
export function changeWords(changes: Changes | null): string {
  if (!changes) return "";
  const words = Object.entries(changes.params).map(([key, [before, after]]) => `${key} ${JSON.stringify(before)}->${JSON.stringify(after)}`);
  if (changes.same_code === false) words.push("code");
  return words.length ? words.join(", ") : "no change recorded";
}
