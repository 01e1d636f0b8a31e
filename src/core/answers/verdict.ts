/** `exprag verdict` and the verdict tool: is A better than B, or is the difference noise? */
import { repositoryAt } from "../loop/changes";
import { judgeRuns, type VerdictRequest } from "../loop/verdict";
import type { AnswerContext } from "./context";

export function answerVerdict(request: Omit<VerdictRequest, "git">, { store, cwd, env, warn }: AnswerContext) {
  return { data: judgeRuns(store, { ...request, git: repositoryAt(cwd, env) }, warn) };
}
