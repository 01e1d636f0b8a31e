import { answerVerdict } from "../core/answers/verdict";
import { usageError } from "../core/errors";
import { requireGoal } from "../core/loop/goal";
import { seedParamsOf } from "../core/loop/replicates";
import type { VerdictAnswer } from "../core/loop/verdict";
import { AGGREGATES } from "../core/query/best";
import { visible } from "../render/escape";
import { formatNumber } from "../render/format";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

const number = (value: number | null) => (value === null ? "?" : formatNumber(value));

function forPeople(v: VerdictAnswer): string {
  const side = (name: string, s: VerdictAnswer["a"]) =>
    `  ${name} ${s.short_id}  ${v.agg}(${v.metric}) = ${number(s.value)}; ${s.replicates.n} replicate${s.replicates.n === 1 ? "" : "s"}: mean ${number(s.replicates.mean)}, std ${number(s.replicates.std)}`;
  const lines = [`${v.verdict}: ${v.reason}`, side("A", v.a), side("B", v.b)];
  if (v.difference !== null) lines.push(`  difference A - B = ${number(v.difference)} (${v.direction === "max" ? "higher" : "lower"} is better)`);
  if (v.noise) lines.push(`  noise     standard error ${number(v.noise.std_error)} (${v.noise.df.toFixed(1)} df), from ${v.noise.from}`);
  const params = Object.entries(v.differs.params).map(([key, [a, b]]) => `${key} ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
  if (params.length) lines.push(`  params    ${params.join(", ")} (A -> B)`);
  if (v.differs.same_code !== null)
    lines.push(
      `  code      ${v.differs.same_code ? "the same" : `differs${v.differs.files ? ` in ${v.differs.files.join(", ")}` : ""}: exprag diff ${v.b.short_id} ${v.a.short_id}`}`,
    );
  for (const command of v.settle) lines.push(`  settle    ${command}`);
  return `${lines.map(visible).join("\n")}\n`;
}

export default defineExpragCommand({
  name: "verdict",
  description: "Is run A better than run B on the goal metric, or is the difference noise? better, worse, within-noise, not-comparable or unknown-noise",
  args: {
    a: { type: "positional", description: "The run judged" },
    b: { type: "positional", description: "The run it is judged against (its parent, the best so far)" },
    metric: { type: "string", description: "The metric's value path (default: the project's [goal] metric)", valueHint: "PATH" },
    max: { type: "boolean", description: "Higher is better" },
    min: { type: "boolean", description: "Lower is better" },
    agg: { type: "enum", options: AGGREGATES, description: "One number per run: its last value (default), or max, min, mean" },
    ...jsonArg,
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag verdict latest 3f9c2a1b --metric val_bpb --min
  exprag verdict latest kept-run --json | jq -r .verdict

THE RULE

  Each run stands with its replicates: finished runs of the same experiment, code, command and
  params that differ at most in a seed param (seed, random_seed, or seed-params in the project
  config). A run that has not ended ok is not-comparable (exprag wait RUN settles a running one).
  The means of the two sides are compared with Welch's t-test at 5% (two-sided): a difference
  under the threshold (about 2 standard errors; more with few replicates) is within-noise.
  With replicates on one side only, their spread stands for both; with none, the spread within
  other configurations' replicates of the same experiments; with none of those, unknown-noise
  and the command that measures it (exprag rerun RUN --seeds 3).`,
  run(context) {
    const { args } = context;
    const config = () => context.config;
    if (args.max && args.min) throw usageError("choose one of --max and --min");
    const goal = requireGoal({ metric: args.metric, direction: args.max ? "max" : args.min ? "min" : undefined }, config, "verdict");
    const { data: answer } = answerVerdict({ a: args.a, b: args.b, goal, agg: args.agg ?? "last", seedParams: seedParamsOf(config()) }, context);
    printData(args.json ? `${JSON.stringify(answer)}\n` : forPeople(answer));
  },
});
