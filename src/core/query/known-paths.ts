/**
 * A path that none of the selected runs has is a typo, not an empty answer: the usage error names
 * the closest paths the runs do have (`did you mean metrics.acc?`). A path only some runs have is
 * an answer, and each command says which runs lack it.
 */
import { type UserError, usageError } from "../errors";
import { closestWords } from "../suggest";
import { collectPaths } from "./paths";
import type { Warn } from "./records";
import type { RunView } from "./run-view";
import { misreadPath } from "./value-paths";

/** The candidates `typed` most likely meant: close by spelling, else the same key cut short or run on (acc, accuracy). */
export function closestPaths(typed: string, candidates: readonly string[]): string[] {
  const close = closestWords(typed, candidates);
  if (close.length) return close;
  const split = (path: string) => {
    const at = path.lastIndexOf(".");
    return [path.slice(0, at + 1), path.slice(at + 1).toLowerCase()] as const;
  };
  const [parent, key] = split(typed);
  const related = candidates.filter((candidate) => {
    const [otherParent, otherKey] = split(candidate);
    if (!key || !otherKey) return false;
    if (otherParent === parent) return otherKey.startsWith(key) || key.startsWith(otherKey);
    return otherKey === key;
  });
  return [...new Set(related)];
}

/** "did you mean metrics.acc?", or null when nothing is close. */
function suggestion(typed: string, candidates: readonly string[]): string | null {
  const found = closestPaths(typed, candidates).slice(0, 3);
  if (!found.length) return null;
  return `did you mean ${found.length === 1 ? found[0] : `${found.slice(0, -1).join(", ")} or ${found.at(-1)}`}?`;
}

/** The heads of an operand that name what the run itself holds, not its tracked value (selection.ts resolveOperand). */
const READ_AS_RUN = ["params", "meta", "env", "system", "scheduler", "devices"];

export interface UnknownPath {
  /** The path as written. */
  path: string;
  /** Where it was written: "--where", "--columns", or null for a command's own path argument. */
  option: string | null;
  /** Only tracked values can be meant (best, values, plot); else params, metadata and run fields too. */
  trackedOnly: boolean;
}

/** The usage error for a path none of `views` has, naming the paths they have that come closest. */
export function unknownPathError(unknown: UnknownPath, views: RunView[], warn: Warn, runFields: readonly string[] = []): UserError {
  const known = collectPaths(views, warn);
  const where = unknown.option ? `${unknown.option}: ` : "";
  // A parameter or metadata leaf asked of a command that reads tracked values: not a typo.
  const untracked = unknown.trackedOnly ? known.find((info) => info.path === unknown.path && info.source !== "tracked") : undefined;
  if (untracked)
    return usageError(
      `${where}${unknown.path} is a run's ${untracked.source === "params" ? "parameter" : "metadata"}, not a value it tracked (best, values and plot read tracked values)`,
      `ls shows and orders runs by it: exprag ls --columns ${unknown.path} --sort ${unknown.path}`,
    );
  // A path the runs have, yet not as asked: text where a number is needed, or a tracked key read as a run's own (meta.k).
  const same = known.find((info) => info.path === unknown.path && info.source === "tracked");
  if (same) {
    const head = unknown.path.split(".")[0]!;
    if (!unknown.trackedOnly && (READ_AS_RUN.includes(head) || runFields.includes(unknown.path)))
      return usageError(
        `${where}${unknown.path} names the run's own ${head}, not the value tracked under that key`,
        `write value.${unknown.path} for the tracked value`,
      );
    if (!same.numeric)
      return usageError(
        `${where}${unknown.path} holds no number in the selected runs (${same.types.join(", ")})`,
        `exprag values ${unknown.path} shows what it holds`,
      );
  }
  // The command's own path argument written as an aggregate or a condition (best 'max(metrics.acc)').
  const misread = unknown.option === null ? misreadPath(unknown.path) : null;
  if (misread?.kind === "aggregate") {
    return usageError(
      `${where}'${unknown.path}' is an aggregate, not a value path`,
      `name the path (${misread.path}); best ranks by it with --agg ${misread.aggregate}, and --where compares it: --where '${unknown.path} > 0.9'`,
    );
  }
  if (misread) return usageError(`${where}'${unknown.path}' is a condition, not a value path`, `name the path (${misread.path}); a condition goes in --where`);
  const paths = known.filter((info) => !unknown.trackedOnly || info.source === "tracked").map((info) => info.path);
  const candidates = unknown.trackedOnly ? paths : [...paths, ...runFields];
  const runs = views.length === 1 ? `the selected run has no ${unknown.path}` : `none of the ${views.length} selected runs has ${unknown.path}`;
  return usageError(`${where}${runs}`, suggestion(unknown.path, candidates) ?? "see exprag paths for the paths they have");
}
