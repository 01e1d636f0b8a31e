/** `exprag compare` and compare_runs: two or more runs side by side. */
import { EXIT, UserError } from "../errors";
import { fillTrees } from "../git/code-id";
import { codeSizeMeasure } from "../git/code-size";
import { compareRuns } from "../query/compare";
import { type Selection, selectRuns } from "../query/selection";
import { readRunDetails } from "../query/show";
import type { AnswerContext } from "./context";

export interface CompareRequest {
  selection: Selection;
  limit: number;
}

export interface CompareAnswer {
  data: ReturnType<typeof compareRuns>;
  /** How many runs the selection kept before the limit. */
  total: number;
}

export function answerCompare(request: CompareRequest, { store, cwd, env, warn }: AnswerContext): CompareAnswer {
  const selected = selectRuns(store, request.selection, request.limit, warn);
  if (selected.runs.length < 2) throw new UserError(`compare needs at least two runs; the selection kept ${selected.runs.length}`, EXIT.failure);
  const details = selected.runs.map((view) => readRunDetails(store, view.runId, warn));
  fillTrees(
    details.map((d) => d.summary),
    cwd,
    env,
  );
  return { data: compareRuns(details, codeSizeMeasure(cwd, env, store)), total: selected.total };
}
