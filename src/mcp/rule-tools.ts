/**
 * The tools about stop rules and waiting: wait_for_runs (exprag wait --json), with a timeout
 * bounded so a client is never held longer than it can bear, and check_rules (exprag check-rules --json).
 */
import { z } from "zod";
import { answerCheckRules, answerWait } from "../core/answers/rules";
import { shortId } from "../core/record/refs";
import { DEFAULT_UNTIL } from "../core/rules/wait";
import { runInput } from "./inputs";
import type { ToolSpec } from "./tool";

/** The longest an MCP client is kept waiting by one call; it can call again. */
export const MAX_WAIT_S = 300;
const DEFAULT_WAIT_S = 60;

const waitInput = {
  runs: z.array(runInput("A run")).min(1).describe("The runs to wait for: the condition must hold for every one"),
  until: z
    .string()
    .min(1)
    .optional()
    .describe(`The condition, in the where language (default "${DEFAULT_UNTIL}": the run ended), e.g. "step >= 200", "max(metrics.acc) > 0.9"`),
  timeout_s: z.number().positive().max(MAX_WAIT_S).optional().describe(`Give up after this many seconds (default ${DEFAULT_WAIT_S}, at most ${MAX_WAIT_S})`),
};
const waitTool: ToolSpec<typeof waitInput> = {
  name: "wait_for_runs",
  title: "Wait for runs",
  description:
    "Blocks until a condition holds for every run named (default: they ended), a run ends or crashes without it, or the timeout " +
    "passes; woken by the run files changing, not by polling. Answers {outcome: held|ended|timeout, until, runs: [{held, run}]}, as " +
    "`exprag wait --json` (whose exit code is 0, 1 or 124 for these outcomes). Use it instead of sleeping and reading logs.",
  input: waitInput,
  effect: "reads",
  async answer(input, context) {
    const { data: answer } = await answerWait({ runs: input.runs, until: input.until, timeoutMs: (input.timeout_s ?? DEFAULT_WAIT_S) * 1000 }, context);
    return {
      data: answer,
      summary: `${answer.outcome}: ${answer.runs.map(({ run, held }) => `${shortId(run.run_id)} ${run.status} ${held ? "holds" : "does not hold"}`).join(", ")} (${answer.until})`,
    };
  },
};

const checkRulesInput = {
  run: runInput(),
  stop_when: z
    .array(z.string())
    .min(1)
    .describe('Stop rules, as run --stop-when takes them: "metrics.loss > 5", "diverged", "elapsed > 10m and max(metrics.acc) < 0.5"'),
};
const checkRulesTool: ToolSpec<typeof checkRulesInput> = {
  name: "check_rules",
  title: "Replay stop rules on a run",
  description:
    "Where stop rules would have stopped a recorded run: {run_id, short_id, stopped_by (the first to hold, or null), rules: [{rule, " +
    "stopped_by: {rule, source (file:line), step, elapsed_ms} or null}], recorded (what really stopped it)}, as `exprag check-rules --json`.",
  input: checkRulesInput,
  effect: "reads",
  answer(input, context) {
    const { data: answer } = answerCheckRules({ run: input.run, rules: input.stop_when }, context);
    const first = answer.stopped_by;
    return {
      data: answer,
      summary: first ? `would stop run ${answer.short_id} at ${first.source} (${first.rule})` : `no rule would stop run ${answer.short_id}`,
    };
  },
};

export const ruleTools = [waitTool, checkRulesTool];
