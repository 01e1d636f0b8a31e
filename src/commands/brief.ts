import { answerBrief } from "../core/answers/brief";
import { usageError } from "../core/errors";
import { DEFAULT_BRIEF_BUDGET } from "../core/loop/brief";
import { findGoal } from "../core/loop/goal";
import { parseCount, parseSelection } from "../core/query/selection-flags";
import { visible } from "../render/escape";
import { printData } from "../render/output";
import { jsonArg, SELECTION_REPEATABLE, selectionArgs, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "brief",
  description: "Where the research stands, in a few hundred tokens: goal, best run, what runs now, last outcomes, runs to decide, project notes",
  args: {
    runs: { type: "positional", description: "Only these runs (default: every run the selection keeps)", required: false },
    metric: { type: "string", description: "The goal metric's value path (default: the project's [goal] metric)", valueHint: "PATH" },
    max: { type: "boolean", description: "Higher is better" },
    min: { type: "boolean", description: "Lower is better" },
    budget: { type: "string", description: `At most this many tokens (default ${DEFAULT_BRIEF_BUDGET}; estimated as characters / 4)`, valueHint: "TOKENS" },
    ...selectionArgs,
    ...jsonArg,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag brief                              # start here after losing the context
  exprag brief --metric val_bpb --min --budget 400
  exprag brief --since 1d --json | jq .best

What does not fit the budget is left out whole, least informative first (older outcomes, then
the runs waiting for a decision, then project notes); the last line says how to see more.`,
  run(context) {
    const { args } = context;
    const config = () => context.config;
    if (args.max && args.min) throw usageError("choose one of --max and --min");
    const goal = findGoal({ metric: args.metric, direction: args.max ? "max" : args.min ? "min" : undefined }, config);
    const budget = args.budget === undefined ? DEFAULT_BRIEF_BUDGET : parseCount(args.budget, "--budget");
    const { data: brief } = answerBrief({ selection: parseSelection(args, args.runs), goal, budget, now: Date.now() }, context);
    printData(args.json ? `${JSON.stringify(brief)}\n` : brief.lines.map((line) => `${visible(line)}\n`).join(""));
  },
});
