/**
 * `exprag brief`: where the research stands, in at most a budget of tokens: the goal, the best run
 * with its decision, lineage and what made it best, what runs now, the last outcomes, the runs
 * waiting for a decision, the project notes, and the command that tells more.
 *
 * Tokens are estimated as ceil(characters / 4) over the text, newlines included: near what the
 * common tokenizers give for English and numbers, and never a line cut. Lines are chosen by what
 * informs most: the goal and the closing line always; then the best run, the counts, its lineage,
 * the running runs, the three latest outcomes, the project notes, the runs waiting for a
 * decision, then older outcomes (the ten latest at most); whatever does not fit is counted in `omitted`.
 */
import { usageError } from "../errors";
import { readable, type Warn } from "../query/records";
import { RunView } from "../query/run-view";
import { type Selection, visitRuns } from "../query/selection";
import { asNumber } from "../query/value-paths";
import { readProjectNotes } from "../record/project-notes";
import { shortId } from "../record/refs";
import { type DecisionKind, isFailedState, isUnended } from "../record/schema";
import { changesBetween, changeWords } from "./changes";
import type { Goal } from "./goal";

export const DEFAULT_BRIEF_BUDGET = 800;
const MIN_BUDGET = 60;
/** A text field (a hypothesis, a reason, an error, a note) is shortened to this many characters. */
const FIELD_CHARS = 120;
const RECENT = 10;

export interface BriefRequest {
  selection: Selection;
  goal: Goal | null;
  budget: number;
  /** The time "running for" is measured to (ms since the epoch). */
  now: number;
}

export interface BriefRun {
  run_id: string;
  short_id: string;
  name: string;
  status: string;
  started_at: string;
  /** The goal metric's last value; null when it has none (or there is no goal). */
  value: number | null;
  decision: DecisionKind | null;
  because: string | null;
  why: string | null;
  from: string | null;
  error: string | null;
  diverged: boolean;
}

export interface Brief {
  goal: { metric: string; direction: "max" | "min" } | null;
  counts: { tried: number; kept: number; discarded: number; failed: number; running: number; waiting: number; pending: number };
  best: (BriefRun & { lineage: string[]; changed: Record<string, [unknown, unknown]> | null; same_code: boolean | null }) | null;
  running: (BriefRun & { running_ms: number })[];
  recent: BriefRun[];
  waiting: string[];
  notes: { id: string; text: string }[];
  /** What the budget left out, by section. */
  omitted: { running: number; recent: number; waiting: number; notes: number; lineage: boolean };
  /** The brief as text, line by line, and its estimated size. */
  lines: string[];
  tokens: number;
  budget: number;
  more: string;
}

export const estimateTokens = (lines: string[]) => Math.ceil(lines.reduce((sum, line) => sum + line.length + 1, 0) / 4);

/** A text field on one line, shortened to FIELD_CHARS. */
function clip(text: string): string;
function clip(text: string | null): string | null;
function clip(text: string | null): string | null {
  if (text === null) return null;
  const line = text.replace(/\s+/g, " ");
  return line.length > FIELD_CHARS ? `${line.slice(0, FIELD_CHARS - 1)}…` : line;
}
const num = (value: number) => String(Number(value.toPrecision(5)));

function briefRun(view: RunView, goal: Goal | null): BriefRun {
  const summary = view.summary()!;
  const decision = view.annotations().decision;
  const found = goal ? view.lastValues(goal.steps) : undefined;
  const value = found?.length ? asNumber(found.at(-1)) : null;
  return {
    run_id: summary.run_id,
    short_id: summary.short_id,
    name: summary.experiment_name,
    status: summary.status,
    started_at: summary.started_at,
    value: value !== null && Number.isFinite(value) ? value : null,
    decision: decision?.decision ?? null,
    because: decision?.because ?? null,
    why: summary.why,
    from: summary.from && shortId(summary.from),
    error: summary.error,
    diverged: summary.diverged !== false,
  };
}

function outcome(run: BriefRun): string {
  if (run.decision === "keep") return `kept${run.because ? ` (${clip(run.because)})` : ""}`;
  if (run.decision === "discard") return `discarded (${clip(run.because) ?? "no reason"})`;
  if (run.diverged) return "diverged";
  if (isFailedState(run.status)) return `${run.status}${run.error ? `: ${clip(run.error)}` : ""}`;
  return run.status === "ok" ? "undecided" : run.status;
}

export function briefOf(store: string, request: BriefRequest, warn: Warn): Brief {
  if (!(request.budget >= MIN_BUDGET)) throw usageError(`--budget must be at least ${MIN_BUDGET} tokens, got ${request.budget}`);
  const { goal } = request;
  const runs: BriefRun[] = [];
  // Each run's line is made as it is read; no run's file contents are held (a few runs are read again for the best).
  const byId = new Map<string, Lineage>();
  const byRunId = new Map<string, Lineage>();
  visitRuns(store, request.selection, Number.POSITIVE_INFINITY, warn, (view) => {
    const run = readable(store, view.runId, warn, () => (view.summary() ? briefRun(view, goal) : null));
    if (!run) return;
    runs.push(run);
    const lineage = { runId: view.runId, from: view.summary()!.from };
    byId.set(run.short_id, lineage);
    byRunId.set(view.runId, lineage);
  });
  const counts = {
    tried: runs.length,
    kept: runs.filter((r) => r.decision === "keep").length,
    discarded: runs.filter((r) => r.decision === "discard").length,
    failed: runs.filter((r) => isFailedState(r.status)).length,
    running: runs.filter((r) => r.status === "running").length,
    waiting: 0,
    // Points of a Slurm sweep still in the queue.
    pending: runs.filter((r) => r.status === "pending").length,
  };
  const waitingRuns = runs.filter((r) => r.status === "ok" && r.decision === null);
  counts.waiting = waitingRuns.length;
  const sign = goal?.direction === "min" ? 1 : -1;
  // A run still going has no final value, and one that failed none to build on.
  const best = runs
    .filter((r) => r.value !== null && r.status === "ok" && r.decision !== "discard")
    .reduce<BriefRun | null>((top, r) => (top === null || sign * (r.value! - top.value!) < 0 ? r : top), null);
  const bestDetails = best && describeBest(store, best, byId, byRunId);
  const running = runs.filter((r) => r.status === "running").map((r) => ({ ...r, running_ms: Math.max(0, request.now - Date.parse(r.started_at)) }));
  const recent = runs.filter((r) => !isUnended(r.status));
  const notes = readProjectNotes(store, warn).current.map(({ id, text }) => ({ id, text }));
  const more = "more: exprag ls --columns id,name,status,decision,why,from; exprag tree; exprag note --project";

  // Each candidate line, in the order the text shows it, with the rank of what it informs.
  type Line = { text: string; rank: number; section: keyof Brief["omitted"] | "best" | "counts" | "fixed"; item?: unknown };
  const fixed = (text: string): Line => ({ text, rank: 0, section: "fixed" });
  const header = goal
    ? `goal: ${goal.metric} (${goal.direction === "max" ? "higher" : "lower"} is better)`
    : "goal: none named (give --metric PATH, or [goal] metric in .exprag.toml)";
  const candidates: Line[] = [
    fixed(header),
    {
      text: `runs: ${counts.tried} tried, ${counts.kept} kept, ${counts.discarded} discarded, ${counts.failed} failed, ${counts.running} running, ${counts.pending ? `${counts.pending} pending, ` : ""}${counts.waiting} waiting for a decision`,
      rank: 0.2,
      section: "counts",
    },
  ];
  if (best && bestDetails) {
    const decided = best.decision === "keep" ? "kept" : "not yet kept";
    candidates.push({
      text: `best: ${best.short_id} ${best.name} ${goal!.metric}=${num(best.value!)}, ${decided}${best.why ? `; why: ${clip(best.why)}` : ""}`,
      rank: 0.1,
      section: "best",
    });
    const what = bestDetails.changed ? changeWords({ params: bestDetails.changed, same_code: bestDetails.same_code }) : "nothing recorded";
    if (best.from) candidates.push({ text: `  changed from ${best.from}: ${clip(what)}`, rank: 1, section: "lineage" });
    if (bestDetails.lineage.length > 1) candidates.push({ text: `  lineage: ${bestDetails.lineage.join(" <- ")}`, rank: 1, section: "lineage" });
  } else if (goal) {
    candidates.push({ text: `best: no run that ended ok reported ${goal.metric} yet`, rank: 0.1, section: "best" });
  }
  for (const [i, r] of running.entries())
    candidates.push({
      text: `running: ${r.short_id} ${r.name} for ${Math.round(r.running_ms / 60_000)} min${r.why ? `; why: ${clip(r.why)}` : ""}`,
      rank: 2 + i * 0.01,
      section: "running",
      item: r,
    });
  if (recent.length) candidates.push({ text: "last runs, newest first:", rank: 3, section: "recent" });
  for (const [i, r] of recent.slice(0, RECENT).entries())
    candidates.push({
      text: `  ${r.short_id} ${outcome(r)}${r.value !== null ? ` ${goal!.metric}=${num(r.value)}` : ""}${r.why ? `; why: ${clip(r.why)}` : ""}${r.from ? `; from ${r.from}` : ""}`,
      rank: i < 3 ? 3 + i * 0.01 : 6 + i * 0.01,
      section: "recent",
      item: r,
    });
  for (const [i, n] of notes.entries()) candidates.push({ text: `project note ${n.id}: ${clip(n.text)}`, rank: 4 + i * 0.01, section: "notes", item: n });
  if (waitingRuns.length) {
    const ids = waitingRuns.slice(0, 12).map((r) => r.short_id);
    candidates.push({
      text: `waiting for keep or discard: ${ids.join(" ")}${waitingRuns.length > ids.length ? ` (+${waitingRuns.length - ids.length})` : ""}`,
      rank: 5,
      section: "waiting",
      item: ids,
    });
  }
  // The closing line says what was left out; room for its longest form is kept.
  const leftOutRoom = 80;

  // The goal and the closing line first, then by rank while the estimate stays within the budget.
  const chosen = new Set<Line>();
  let size = estimateTokens([more]) + Math.ceil(leftOutRoom / 4);
  for (const line of [...candidates].sort((a, b) => a.rank - b.rank)) {
    const cost = Math.ceil((line.text.length + 1) / 4) + 1;
    if (line.section !== "fixed" && size + cost > request.budget) continue;
    chosen.add(line);
    size += cost;
  }
  // The section heading alone informs nothing.
  const recentKept = candidates.filter((line) => chosen.has(line) && line.section === "recent" && line.item);
  for (const line of candidates) if (line.section === "recent" && !line.item && !recentKept.length) chosen.delete(line);
  const left = candidates.filter((line) => !chosen.has(line) && line.item).length;
  const closing = left ? `left out ${left} line${left === 1 ? "" : "s"} (exprag brief --budget ${request.budget * 2} shows more); ${more}` : more;
  const kept = [...candidates.filter((line) => chosen.has(line)), fixed(closing)];
  const lines = kept.map((line) => line.text);
  const items = (section: Line["section"]) => kept.filter((line) => line.section === section && line.item).map((line) => line.item);
  const keptRunning = items("running") as Brief["running"];
  const keptRecent = items("recent") as BriefRun[];
  const keptNotes = items("notes") as Brief["notes"];
  const keptWaiting = (items("waiting")[0] as string[] | undefined) ?? [];
  return {
    goal: goal && { metric: goal.metric, direction: goal.direction },
    counts,
    best: best && bestDetails ? { ...best, ...bestDetails } : null,
    running: keptRunning,
    recent: keptRecent,
    waiting: keptWaiting,
    notes: keptNotes,
    omitted: {
      running: running.length - keptRunning.length,
      recent: Math.min(recent.length, RECENT) - keptRecent.length,
      waiting: waitingRuns.length - keptWaiting.length,
      notes: notes.length - keptNotes.length,
      lineage: candidates.some((line) => line.section === "lineage" && !chosen.has(line)),
    },
    lines,
    tokens: estimateTokens(lines),
    budget: request.budget,
    more: closing,
  };
}

/** A run as the best's lineage needs it: where to read it again, and the run it builds on. */
interface Lineage {
  runId: string;
  from: string | null;
}

/** The best run's lineage (its ancestors by `from`, nearest first) and what differs from its parent. */
function describeBest(store: string, best: BriefRun, byId: Map<string, Lineage>, byRunId: Map<string, Lineage>) {
  const lineage = [best.short_id];
  const seen = new Set(lineage);
  let current = byId.get(best.short_id);
  while (current && lineage.length < 8) {
    const from = current.from;
    if (!from || seen.has(shortId(from))) break;
    lineage.push(shortId(from));
    seen.add(shortId(from));
    current = byId.get(shortId(from)) ?? byRunId.get(from);
  }
  const parent = best.from ? byId.get(best.from) : undefined;
  if (!parent) return { lineage, changed: null, same_code: null };
  // Both were read (and warned about) already: read again for their params, quietly.
  const quiet: Warn = () => {};
  const [before, after] = [new RunView(store, parent.runId, quiet), new RunView(store, byId.get(best.short_id)!.runId, quiet)];
  if (!before.summary()) return { lineage, changed: null, same_code: null };
  const { params, same_code } = changesBetween(before, after);
  return { lineage, changed: params, same_code };
}
