/** `exprag best` and best_runs: the selected runs ranked by one metric, best first. */
import {
  type Aggregate,
  type Direction,
  explainRanking,
  guessDirection,
  type Ranked,
  type RankingExplanation,
  rankCandidates,
  rankRuns,
  shownRun,
} from "../query/best";
import type { Selection } from "../query/selection";
import type { RunSummary } from "../query/summary";
import { parsePath } from "../query/value-paths";
import type { AnswerContext } from "./context";

export interface BestRequest {
  /** The metric's value path: metrics.acc. */
  path: string;
  /** Higher or lower is better; null guesses from the path. */
  direction: Direction | null;
  agg: Aggregate;
  selection: Selection;
  limit: number;
}

export interface BestAnswer {
  data: Ranked[];
  /** How many runs were ranked before the limit. */
  ranked: number;
  /** The runs that never reported the metric. */
  missing: RunSummary[];
  direction: Direction;
  /** Whether the direction was guessed from the path. */
  guessed: boolean;
  /** How the ranking was made: what `best --explain` prints. */
  explanation: RankingExplanation;
}

export function answerBest(request: BestRequest, { store, warn, progress }: AnswerContext): BestAnswer {
  const steps = parsePath(request.path);
  const direction = request.direction ?? guessDirection(request.path);
  const candidates = rankCandidates(store, request.selection, { steps, agg: request.agg }, warn, progress?.phase("selecting runs"));
  const { ranked, missing } = rankRuns(candidates, steps, { direction, agg: request.agg, path: request.path }, warn, progress?.phase("ranking runs"));
  const guessed = request.direction === null;
  const explanation = explainRanking({ ranked, missing }, { path: request.path, agg: request.agg, direction, guessed });
  return { data: ranked.slice(0, request.limit).map(shownRun), ranked: ranked.length, missing, direction, guessed, explanation };
}
