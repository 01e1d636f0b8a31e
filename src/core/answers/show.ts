/** `exprag show` and show_run: everything about one run. */
import { fillTrees } from "../git/code-id";
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
