/** `exprag brief` and the brief tool: where the research stands, within a token budget. */
import { type BriefRequest, briefOf } from "../loop/brief";
import type { AnswerContext } from "./context";

export function answerBrief(request: BriefRequest, { store, warn }: AnswerContext) {
  return { data: briefOf(store, request, warn) };
}
