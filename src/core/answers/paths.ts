/** `exprag paths` and value_paths: the value paths the selected runs hold. */
import { collectPaths, type PathInfo } from "../query/paths";
import { type Selection, selectRuns } from "../query/selection";
import type { AnswerContext } from "./context";

export interface PathsRequest {
  selection: Selection;
  /** Only paths containing this text, in any case. */
  contains?: string;
  /** Only paths whose values are all numbers. */
  numeric?: boolean;
}

export interface PathsAnswer {
  data: PathInfo[];
  /** How many runs were read. */
  runs: number;
}

export function answerPaths(request: PathsRequest, { store, warn, progress }: AnswerContext): PathsAnswer {
  const { runs } = selectRuns(store, request.selection, Number.POSITIVE_INFINITY, warn, progress?.phase("selecting runs"));
  const collected = collectPaths(runs, warn, progress?.phase("reading runs"));
  const contains = request.contains?.toLowerCase();
  const data = collected.filter((p) => (!contains || p.path.toLowerCase().includes(contains)) && (!request.numeric || p.numeric));
  return { data, runs: runs.length };
}
