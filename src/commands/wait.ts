import { answerWait } from "../core/answers/rules";
import { usageError } from "../core/errors";
import { shortId } from "../core/record/refs";
import { parseDuration } from "../core/time";
import { visible } from "../render/escape";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "wait",
  description: "Wait until a condition holds for runs (default: until they end), woken by their files changing",
  args: {
    runs: { type: "positional", description: "The runs: id, unique prefix, short id, latest or latest~N" },
    until: {
      type: "string",
      description: "The condition, in --where's language (default: status not in [running, pending], the run ended)",
      valueHint: "EXPR",
    },
    timeout: { type: "string", description: "Give up after this long (90s, 10m; a bare number is seconds)", valueHint: "DURATION" },
    ...jsonArg,
    ...storeArgs,
  },
  variadic: "runs",
  examples: `EXAMPLES

  exprag wait latest                              # until it ends, however
  exprag wait 3f9c2a1b --until 'step >= 200' --timeout 10m
  exprag wait 3f9c2a1b 7d01e4aa --until 'max(metrics.acc) > 0.9' --json

The condition must hold for every run. Prints one line per run (--json: the runs' summaries and
whether the condition held). Exit 0 when it held, 1 when a run ended (or crashed: its writer
died) without it, 124 when the timeout passed, 2 on bad usage. A change to a run file wakes it
at once; a check every second catches crashed writers and file systems that do not notify.`,
  async run(context) {
    const { args } = context;
    if (!args.runs.length) throw usageError("wait needs a run", "usage: exprag wait RUN... [--until EXPR] [--timeout DURATION]");
    const timeoutMs = args.timeout === undefined ? null : parseDuration(args.timeout, "--timeout");
    const { data: answer, exitCode } = await answerWait({ runs: args.runs, until: args.until, timeoutMs }, context);
    if (args.json) printData(`${JSON.stringify(answer)}\n`);
    else {
      const lines = answer.runs.map(
        ({ held, run }) => `${answer.outcome}\t${shortId(run.run_id)}\t${run.status}\t${held ? "holds" : "does not hold"}: ${visible(answer.until)}`,
      );
      printData(`${lines.join("\n")}\n`);
    }
    return exitCode;
  },
});
