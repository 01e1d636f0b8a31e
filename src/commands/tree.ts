import { answerTree } from "../core/answers/tree";
import { usageError } from "../core/errors";
import { changeWords } from "../core/loop/changes";
import { findGoal } from "../core/loop/goal";
import { type TreeNode, treeLines } from "../core/loop/tree";
import { parseSelection } from "../core/query/selection-flags";
import { visible } from "../render/escape";
import { formatNumber } from "../render/format";
import { printData } from "../render/output";
import { jsonArg, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "tree",
  description: "The lineage of runs (--from) as a tree: each run's decision, goal metric, and what changed from its parent",
  args: {
    runs: { type: "positional", description: "Only these runs (default: every run the selection keeps)", required: false },
    metric: { type: "string", description: "The metric to show (default: the project's [goal] metric)", valueHint: "PATH" },
    ...selectionArgs,
    ...jsonArg,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag tree
  exprag tree --since 1d --metric val_bpb
  exprag tree --json | jq '.roots[0].children[].short_id'

A run whose parent is not selected starts a tree of its own; an only child stays in its parent's
column (↳), so a long loop reads down the page.

${WHERE_HELP}`,
  run(context) {
    const { args } = context;
    const config = () => context.config;
    if (args.metric === "") throw usageError("--metric needs a value path");
    const goal = findGoal({ metric: args.metric }, config);
    const { data: tree } = answerTree({ selection: parseSelection(args, args.runs), goal }, context);
    if (args.json) return printData(`${JSON.stringify(tree)}\n`);
    const line = (node: TreeNode) => {
      const parts = [node.short_id, node.name, node.decision ?? (node.status === "ok" ? "undecided" : node.status)];
      if (goal && node.value !== null) parts.push(`${goal.metric}=${formatNumber(node.value)}`);
      const changed = changeWords(node.changed);
      if (changed) parts.push(`[${changed}]`);
      if (node.why) parts.push(`why: ${node.why.replace(/\s+/g, " ")}`);
      return visible(parts.join("  "));
    };
    printData(
      treeLines(tree, line)
        .map((text) => `${text}\n`)
        .join(""),
    );
  },
});
