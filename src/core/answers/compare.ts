/** `exprag compare` and compare_runs: two or more runs side by side. */
import { EXIT, UserError, usageError } from "../errors";
import { fillTrees } from "../git/code-id";
import { codeSizeMeasure } from "../git/code-size";
import { compareRuns } from "../query/compare";
import { isFiltered, type Selection, selectRuns } from "../query/selection";
import { readRunDetails } from "../query/show";
import type { AnswerContext } from "./context";

export interface CompareRequest {
  selection: Selection;
  limit: number;
  /** A limit was asked for (--limit N, --all): it selects the latest runs even with nothing else given. */
  limited: boolean;
  /** How to name the runs in the usage error: the command line's words or the tool's. */
  example: string;
}

export interface CompareAnswer {
  data: ReturnType<typeof compareRuns>;
  /** How many runs the selection kept before the limit. */
  total: number;
}

export function answerCompare(request: CompareRequest, { store, cwd, env, warn }: AnswerContext): CompareAnswer {
  if (!request.selection.references.length && !isFiltered(request.selection) && !request.limited)
    throw usageError("compare needs runs: two or more, or a selection", request.example);
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
