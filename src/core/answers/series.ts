/** `exprag values` and series: the series of one value path, oldest first. */
import { isFiltered, type Selection, selectRuns } from "../query/selection";
import { parsePath } from "../query/value-paths";
import { type SeriesPoint, series } from "../query/values";
import type { AnswerContext } from "./context";

export interface SeriesRequest {
  path: string;
  selection: Selection;
  /** Only the last N points of each run. */
  lastPerRun: number;
  /** At most this many points in all, the newest. */
  cap: number;
}

export interface SeriesAnswer {
  data: SeriesPoint[];
  /** How many points there were before the last N of each run and the cap. */
  total: number;
  /** How many the last N of each run kept, before the cap. */
  kept: number;
  /** How many runs were read. */
  runs: number;
}

export function answerSeries(request: SeriesRequest, { store, warn }: AnswerContext): SeriesAnswer {
  const steps = parsePath(request.path);
  const { selection } = request;
  const named = selection.references.length > 0;
  // Without runs named or a filter, the latest run; a history reads forward, so oldest run first.
  const { runs } = selectRuns(store, selection, named || isFiltered(selection) ? Number.POSITIVE_INFINITY : 1, warn);
  const { points, total, kept } = series(
    named ? runs : [...runs].reverse(),
    steps,
    { lastPerRun: request.lastPerRun, cap: request.cap, path: request.path },
    warn,
  );
  return { data: points, total, kept, runs: runs.length };
}
