/** `exprag outputs` and run_outputs: the files a run left, and whether each is still its own. */
import { type OutputsAnswer, type OutputsRequest, runOutputs } from "../query/outputs";
import type { AnswerContext } from "./context";

export function answerOutputs(request: OutputsRequest, { store, warn }: AnswerContext): { data: OutputsAnswer } {
  return { data: runOutputs(store, request, warn) };
}
