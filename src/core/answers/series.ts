/** `exprag values` and series: the series of one value path, oldest first. */
import { isFiltered, type Selection, selectRuns } from "../query/selection";
import { parsePath } from "../query/value-paths";
import { type SeriesPoint, series, streamSeries } from "../query/values";
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

export function answerSeries(request: SeriesRequest, context: AnswerContext): SeriesAnswer {
  const runs = seriesRuns(request, context);
  const { points, total, kept } = series(runs, parsePath(request.path), { lastPerRun: request.lastPerRun, cap: request.cap, path: request.path }, context.warn);
  return { data: points, total, kept, runs: runs.length };
}

/**
 * The same answer with no cap, each point handed to `emit` as it is read (with --last, when its
 * run ends): memory stays at one run's last points whatever the series' length.
 */
export function streamedSeries(
  request: Omit<SeriesRequest, "cap">,
  context: AnswerContext,
  emit: (point: SeriesPoint) => void,
): Omit<SeriesAnswer, "data" | "kept"> {
  const runs = seriesRuns(request, context);
  const total = streamSeries(runs, parsePath(request.path), { lastPerRun: request.lastPerRun, path: request.path }, context.warn, emit);
  return { total, runs: runs.length };
}

/** The runs read, in the order their points come: named runs as named; else oldest first. */
function seriesRuns(request: Pick<SeriesRequest, "path" | "selection">, { store, warn }: AnswerContext) {
  parsePath(request.path);
  const { selection } = request;
  const named = selection.references.length > 0;
  // Without runs named or a filter, the latest run; a history reads forward, so oldest run first.
  const { runs } = selectRuns(store, selection, named || isFiltered(selection) ? Number.POSITIVE_INFINITY : 1, warn);
  return named ? runs : [...runs].reverse();
}
