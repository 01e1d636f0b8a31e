/** `exprag best` and best_runs: the selected runs ranked by one metric, best first. */
import { requireGoal } from "../loop/goal";
import { type Aggregate, type Direction, explainRanking, type Ranked, type RankingExplanation, rankCandidates, rankRuns, shownRun } from "../query/best";
import type { Selection } from "../query/selection";
import type { RunSummary } from "../query/summary";
import { type AnswerContext, configOf } from "./context";

export interface BestRequest {
  /** The metric's value path: metrics.acc; left out, the project's `[goal]` metric. */
  path?: string;
  /** How the front end is given a path, for the message when there is neither one nor a goal: `best`, `a value path...`. */
  asked: { command: string; how: string };
  /** Higher or lower is better; null: the goal's for its metric, else guessed from the path. */
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
  /** The path ranked by: the request's, or the goal's. */
  path: string;
  direction: Direction;
  /** Whether the direction was guessed from the path. */
  guessed: boolean;
  /** How the ranking was made: what `best --explain` prints. */
  explanation: RankingExplanation;
}

export function answerBest(request: BestRequest, context: AnswerContext): BestAnswer {
  const { store, warn, progress } = context;
  const goal = requireGoal({ metric: request.path, direction: request.direction ?? undefined }, configOf(context), request.asked.command, request.asked.how);
  const { metric: path, steps, direction } = goal;
  const candidates = rankCandidates(store, request.selection, { steps, agg: request.agg }, warn, progress?.phase("selecting runs"));
  const { ranked, missing } = rankRuns(candidates, steps, { direction, agg: request.agg, path }, warn, progress?.phase("ranking runs"));
  const from = request.direction !== null ? "flag" : goal.direction_guessed ? "path name" : "goal";
  const explanation = explainRanking({ ranked, missing }, { path, agg: request.agg, direction, from });
  return { data: ranked.slice(0, request.limit).map(shownRun), ranked: ranked.length, missing, path, direction, guessed: goal.direction_guessed, explanation };
}
