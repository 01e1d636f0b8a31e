/** `exprag show` and show_run: everything about one run, or about each run of a selection. */
import { fillTrees } from "../git/code-id";
import { type Selection, selectRuns } from "../query/selection";
import { type RunDetails, readRunDetails, showObject } from "../query/show";
import type { AnswerContext } from "./context";

export interface ShowRequest {
  run: string;
}

export interface ShowAnswer {
  data: ReturnType<typeof showObject>;
  /** The run as read, with each metric's trend, for a table. */
  details: RunDetails;
}

export function answerShow(request: ShowRequest, { store, cwd, env, warn }: AnswerContext): ShowAnswer {
  const details = readRunDetails(store, request.run, warn);
  fillTrees([details.summary], cwd, env);
  return { data: showObject(details), details };
}

export interface ShowSelectionRequest {
  selection: Selection;
  limit: number;
}

export interface ShowSelectionAnswer {
  data: ReturnType<typeof showObject>[];
  details: RunDetails[];
  /** How many runs the selection kept in all, of which `data` holds the first `limit`. */
  total: number;
}

/** Each run named or kept by the selection, newest first unless named. */
export function answerShowSelection(request: ShowSelectionRequest, { store, cwd, env, warn }: AnswerContext): ShowSelectionAnswer {
  const { runs, total } = selectRuns(store, request.selection, request.limit, warn);
  const details = runs.map((view) => readRunDetails(store, view.runId, warn));
  fillTrees(
    details.map((d) => d.summary),
    cwd,
    env,
  );
  return { data: details.map(showObject), details, total };
}
