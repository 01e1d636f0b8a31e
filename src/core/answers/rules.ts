/** `exprag check-rules` and `exprag wait` (and the MCP tools check_rules and wait_for_runs). */
import { type CheckRulesAnswer, checkRules } from "../rules/check-rules";
import { parseStopRules } from "../rules/stop-rule";
import { DEFAULT_UNTIL, parseUntil, type WaitAnswer, waitExitCode, waitForRuns } from "../rules/wait";
import type { AnswerContext } from "./context";

export interface CheckRulesRequest {
  run: string;
  /** The rules as written; each is checked before any record is read. */
  rules: string[];
}

export function answerCheckRules(request: CheckRulesRequest, { store, warn }: AnswerContext): { data: CheckRulesAnswer } {
  const rules = parseStopRules(request.rules);
  return { data: checkRules({ store, reference: request.run, rules }, warn) };
}

export interface WaitRequest {
  runs: string[];
  /** The condition; the run ended when left out. */
  until?: string;
  timeoutMs: number | null;
}

export async function answerWait(request: WaitRequest, { store, warn }: AnswerContext): Promise<{ data: WaitAnswer; exitCode: number }> {
  const until = parseUntil(request.until ?? DEFAULT_UNTIL).text;
  const data = await waitForRuns({ store, references: request.runs, until, timeoutMs: request.timeoutMs }, warn);
  return { data, exitCode: waitExitCode(data) };
}
