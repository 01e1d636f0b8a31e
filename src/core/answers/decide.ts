/** `exprag keep`, `exprag discard` and decide_run: the decision about a run. */
import { type DecisionRequest, decideRun } from "../loop/decide";
import type { AnswerContext } from "./context";

export function answerDecision(request: DecisionRequest, { store }: AnswerContext) {
  return { data: decideRun(store, request) };
}
