/**
 * The tools of the research loop, each calling the core function its command calls and
 * answering with that command's --json: brief (exprag brief), decide_run (exprag keep and
 * exprag discard), note_project (exprag note --project), lineage_tree (exprag tree), verdict
 * (exprag verdict) and group_runs (exprag best --group-by).
 */
import { z } from "zod";
import { answerBrief } from "../core/answers/brief";
import { configOf } from "../core/answers/context";
import { answerDecision } from "../core/answers/decide";
import { answerBestGroups } from "../core/answers/group";
import { answerTree } from "../core/answers/tree";
import { answerVerdict } from "../core/answers/verdict";
import { DEFAULT_BRIEF_BUDGET } from "../core/loop/brief";
import { findGoal, requireGoal } from "../core/loop/goal";
import { parseGroupKeys } from "../core/loop/groups";
import { seedParamsOf } from "../core/loop/replicates";
import { AGGREGATES, type Aggregate } from "../core/query/best";
import { checkNote } from "../core/record/annotations";
import { addProjectNote } from "../core/record/project-notes";
import { DECISIONS } from "../core/record/schema";
import { ensureStore } from "../core/store";
import { runInput, selectionInput, toSelection } from "./inputs";
import { authorOf } from "./run-tools";
import type { ToolSpec } from "./tool";

const metricInput = {
  metric: z.string().min(1).optional().describe("The metric's value path, e.g. val_loss (default: the project's [goal] metric in .exprag.toml)"),
  direction: z.enum(["max", "min"]).optional().describe("max: higher is better; min: lower is better (default: the goal's, else guessed from the name)"),
};
const aggInput = {
  agg: z
    .enum(AGGREGATES as [Aggregate, ...Aggregate[]])
    .optional()
    .describe("One number per run: its last value (default), or max, min, mean"),
};

const briefInput = {
  ...selectionInput,
  ...metricInput,
  budget: z.number().int().min(1).optional().describe(`At most this many tokens, estimated as characters / 4 (default ${DEFAULT_BRIEF_BUDGET})`),
};
const briefTool: ToolSpec<typeof briefInput> = {
  name: "brief",
  title: "Where the research stands",
  description:
    "Where the research stands, within a token budget: the goal metric, the best run with its decision, lineage and what made it best, " +
    "what runs now and for how long, the last runs with their outcome (kept, discarded and why, failed with its error), counts, runs " +
    "waiting for keep or discard, and the project notes. Call it first after losing the context. Same answer as `exprag brief --json`.",
  input: briefInput,
  effect: "reads",
  answer(input, context) {
    const goal = findGoal({ metric: input.metric, direction: input.direction }, configOf(context));
    const { data: brief } = answerBrief({ selection: toSelection(input), goal, budget: input.budget ?? DEFAULT_BRIEF_BUDGET, now: Date.now() }, context);
    return { data: brief, summary: brief.lines };
  },
};

const decideInput = {
  run: runInput(),
  decision: z.enum(DECISIONS).describe("keep: the change is worth building on (run --from kept); discard: it is not"),
  because: z.string().optional().describe("Why (required to discard); at most 10,000 characters"),
};
const decideTool: ToolSpec<typeof decideInput> = {
  name: "decide_run",
  title: "Keep or discard a run",
  description:
    "Records the decision about a run, with who made it, when and why; a later decision replaces the earlier one and the history " +
    "stays (show_run lists it). A discarded run keeps its code. Answers {run_id, short_id, decision, replaced}, as " +
    "`exprag keep|discard <run> --json`.",
  input: decideInput,
  effect: "adds",
  answer(input, context) {
    const { data: answer } = answerDecision({ run: input.run, decision: input.decision, because: input.because ?? null, author: authorOf(context) }, context);
    return { data: answer, summary: `run ${answer.short_id}: ${input.decision}${answer.replaced ? ` (was ${answer.replaced.decision})` : ""}` };
  },
};

const noteProjectInput = {
  text: z.string().describe("A note about the research itself: an idea not yet tried, a conclusion, a next step"),
  replaces: z.string().min(1).optional().describe("The id of a project note this one corrects (it leaves the current notes, stays in the history)"),
};
const noteProjectTool: ToolSpec<typeof noteProjectInput> = {
  name: "note_project",
  title: "Add a project note",
  description:
    "Adds a note about the research, not one run (brief shows the current ones); with replaces, corrects an earlier note. Answers " +
    "{id, text, created_at, author, replaces}, as `exprag note --project TEXT --json`.",
  input: noteProjectInput,
  effect: "adds",
  answer(input, context) {
    const text = checkNote(input.text);
    ensureStore(context.store, false);
    const note = addProjectNote(context.store, text, authorOf(context), input.replaces ?? null);
    return { data: note, summary: `project note ${note.id} added${note.replaces ? `, replacing ${note.replaces}` : ""}` };
  },
};

const treeInput = { ...selectionInput, metric: metricInput.metric };
const treeTool: ToolSpec<typeof treeInput> = {
  name: "lineage_tree",
  title: "Lineage of runs",
  description:
    "The runs as a tree of lineage (each run's from: the run it builds on): per run its decision, goal metric, hypothesis (why) and " +
    "what changed from its parent (params that differ, whether the code did), children nested, oldest first. Same answer as " +
    "`exprag tree --json`.",
  input: treeInput,
  effect: "reads",
  answer(input, context) {
    const goal = findGoal({ metric: input.metric }, configOf(context));
    const { data: tree } = answerTree({ selection: toSelection(input), goal }, context);
    return { data: tree, summary: `${tree.count} runs in ${tree.roots.length} tree${tree.roots.length === 1 ? "" : "s"}` };
  },
};

const verdictInput = { a: runInput("The run judged"), b: runInput("The run it is judged against"), ...metricInput, ...aggInput };
const verdictTool: ToolSpec<typeof verdictInput> = {
  name: "verdict",
  title: "Is A better than B, or noise?",
  description:
    "Whether run A is better than run B on the goal metric: better, worse, within-noise, not-comparable or unknown-noise, with the " +
    "reason, the difference of the replicate means, the noise it was measured against and where that came from (Welch's t-test at 5% " +
    "on the replicates of A and B, else the spread of comparable runs), what differs (params, code), and for unknown-noise the " +
    "commands that settle it. Same answer as `exprag verdict A B --json`.",
  input: verdictInput,
  effect: "reads",
  answer(input, context) {
    const config = configOf(context);
    const goal = requireGoal({ metric: input.metric, direction: input.direction }, config, "verdict", "give metric");
    const { data: answer } = answerVerdict({ a: input.a, b: input.b, goal, agg: input.agg ?? "last", seedParams: seedParamsOf(config()) }, context);
    return { data: answer, summary: [`${answer.verdict}: ${answer.reason}`, ...answer.settle] };
  },
};

const groupInput = {
  group_by: z.array(z.string().min(1)).min(1).describe("Keys the runs of a group share: params.X, meta.X, name, tags, code"),
  ...metricInput,
  ...aggInput,
  ...selectionInput,
};
const groupTool: ToolSpec<typeof groupInput> = {
  name: "group_runs",
  title: "Group runs",
  description:
    "The selected runs grouped by keys (params.optimizer, code...), each group with n, mean, std, min and max of the metric (per run " +
    "its last value, or max, min, mean) and its runs, groups ranked by mean: which setting is better on average. Same answer as " +
    "`exprag best <metric> --group-by KEYS --json`.",
  input: groupInput,
  effect: "reads",
  answer(input, context) {
    const goal = requireGoal({ metric: input.metric, direction: input.direction }, configOf(context), "group_runs", "give metric");
    const keys = parseGroupKeys(input.group_by.join(","));
    const agg = input.agg ?? "last";
    const { data: grouping } = answerBestGroups(
      { selection: toSelection(input), keys, steps: goal.steps, metric: goal.metric, agg, direction: goal.direction },
      context,
    );
    const lines = grouping.groups.slice(0, 10).map((g) => `${JSON.stringify(g.key)}: n ${g.n}, mean ${g.mean ?? "-"}, std ${g.std ?? "-"}`);
    return { data: grouping, summary: [`${grouping.groups.length} groups by ${grouping.by.join(", ")}, ranked by mean ${grouping.value}`, ...lines] };
  },
};

export const loopTools = [briefTool, decideTool, noteProjectTool, treeTool, verdictTool, groupTool];
