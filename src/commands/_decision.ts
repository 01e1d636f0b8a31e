/** `exprag keep` and `exprag discard`: one definition, two decisions. */
import { answerDecision } from "../core/answers/decide";
import { currentAuthor } from "../core/record/author";
import type { DecisionKind } from "../core/record/schema";
import { visible } from "../render/escape";
import { log } from "../render/log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

const ABOUT: Record<DecisionKind, { description: string; examples: string }> = {
  keep: {
    description: "Keep a run: its change is worth building on (--from kept starts from the run kept last)",
    examples: `EXAMPLES

  exprag keep 3f9c2a1b --because "val_bpb 0.981, best so far"
  exprag run --from kept --why "halve the warmup" -- python train.py --warmup 50`,
  },
  discard: {
    description: "Discard a run, saying why: its code stays (exprag diff FROM RUN shows what it changed)",
    examples: `EXAMPLES

  exprag discard latest --because "within noise of its parent"
  exprag ls --where 'decision = discard' --columns id,why,from`,
  },
};

export function decisionCommand(kind: DecisionKind) {
  return defineExpragCommand({
    name: kind,
    description: ABOUT[kind].description,
    args: {
      run: { type: "positional", description: "The run" },
      because: { type: "string", description: kind === "discard" ? "Why (required)" : "Why", valueHint: "TEXT" },
      ...jsonArg,
      ...storeArgs,
    },
    examples: `${ABOUT[kind].examples}

A later keep or discard replaces the earlier decision; show lists them all, with who made each
(the coding agent recognised from its environment, else the user) and when.`,
    run({ args, store, env, cwd, warn }) {
      const { data: answer } = answerDecision(
        { run: args.run, decision: kind, because: args.because ?? null, author: currentAuthor(env, cwd) },
        { store, cwd, env, warn },
      );
      if (args.json) return printData(`${JSON.stringify(answer)}\n`);
      const replaced = answer.replaced ? ` (was ${answer.replaced.decision})` : "";
      log.info(visible(`run ${answer.short_id}: ${kind}${replaced}`));
    },
  });
}
