import { answerCheckRules } from "../core/answers/rules";
import { usageError } from "../core/errors";
import type { StoppedBy } from "../core/record/schema";
import { visible } from "../render/escape";
import { log } from "../render/log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

const where = (by: StoppedBy | null) =>
  by ? `at ${visible(by.source ?? "no record")}${by.step === null ? "" : `, step ${by.step}`}, ${(by.elapsed_ms / 1000).toFixed(1)} s in` : "never held";

export default defineExpragCommand({
  name: "check-rules",
  description: "Replay stop rules on a recorded run: where each would have stopped it",
  args: {
    run: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N" },
    "stop-when": { type: "string", description: "A stop rule, as `run --stop-when` takes it (repeatable)", valueHint: "EXPR" },
    ...jsonArg,
    ...storeArgs,
  },
  repeatable: ["stop-when"],
  examples: `EXAMPLES

  exprag check-rules latest --stop-when 'metrics.loss > 5'
  exprag check-rules 3f9c2a1b --stop-when diverged --stop-when 'elapsed > 10m and max(metrics.acc) < 0.5'

Each rule is checked after each track record, in order, as run --stop-when checks it live; a
rule on elapsed holds at the first record at or after that time (live, it may hold between records).
Prints, for each rule, the record (file:line), step and time it first held at.`,
  run(context) {
    const { args } = context;
    if (!args["stop-when"].length) throw usageError("check-rules needs a rule", "usage: exprag check-rules RUN --stop-when EXPR [--stop-when EXPR...]");
    const { data: answer } = answerCheckRules({ run: args.run, rules: args["stop-when"] }, context);
    if (args.json) return printData(`${JSON.stringify(answer)}\n`);
    const lines = answer.rules.map((item) => `${visible(item.rule)}\t${where(item.stopped_by)}`);
    printData(`${lines.join("\n")}\n`);
    if (answer.recorded) log.info(`run ${answer.short_id} was ended by ${visible(answer.recorded.rule)} ${where(answer.recorded)}`);
  },
});
