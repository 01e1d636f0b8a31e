/**
 * `--group-by KEY[,KEY...]` on ls and best: one row per group of runs that share the keys' values
 * (params, metadata, name, tags, code), with n, mean, std, min and max of the ranked value,
 * groups ranked by mean. "Which optimizer is better on average?" is one question.
 */
import { usageError } from "../errors";
import { codeId } from "../git/code-id";
import { type Aggregate, type Direction, score } from "../query/best";
import { readable, type Warn } from "../query/records";
import type { RunView } from "../query/run-view";
import { type Selection, selectRuns, shownValue } from "../query/selection";
import { asNumber, type PathStep } from "../query/value-paths";
import { type Operand, parseOperand } from "../query/where";
import { splitOperandList } from "../query/where-tokens";
import { type SampleStats, sampleStats } from "./numbers";

/** A group key: an operand, or `code` (the run's code id, as ls shows it). */
export type GroupKey = { kind: "code"; text: "code" } | { kind: "operand"; text: string; operand: Operand };

export function parseGroupKeys(text: string): GroupKey[] {
  const names = splitOperandList(text);
  if (names.some((name) => !name)) throw usageError(`--group-by expects keys separated by commas, got "${text}"`, "e.g. --group-by params.optimizer,params.lr");
  return names.map((name) => (name === "code" ? { kind: "code", text: "code" } : { kind: "operand", text: name, operand: parseOperand(name, "--group-by") }));
}

export interface Group extends SampleStats {
  /** The keys' values the group's runs share (null: the runs lack it). */
  key: Record<string, unknown>;
  /** Its runs' short ids, in the order they were selected (newest first). */
  runs: string[];
}

export interface Grouping {
  by: string[];
  /** What the statistics are of: `last(metrics.acc)`; null when nothing was ranked (only n counts). */
  value: string | null;
  direction: Direction | null;
  groups: Group[];
}

export interface GroupRequest {
  keys: GroupKey[];
  /** The value of each run, null when it has none; absent: the groups only count runs. */
  scoreOf?: (view: RunView) => number | null;
  value: string | null;
  direction: Direction | null;
}

function keyValue(view: RunView, key: GroupKey): unknown {
  if (key.kind === "code") {
    const summary = view.summary();
    return summary?.tree ? codeId(summary.tree) : (summary?.commit?.slice(0, 8) ?? null);
  }
  return shownValue(view, key.operand) ?? null;
}

export function groupRuns(views: RunView[], request: GroupRequest): Grouping {
  const members = new Map<string, { key: Record<string, unknown>; views: RunView[] }>();
  for (const view of views) {
    if (!view.summary()) continue;
    const key = Object.fromEntries(request.keys.map((k) => [k.text, keyValue(view, k)]));
    const text = JSON.stringify(request.keys.map((k) => key[k.text]));
    const group = members.get(text) ?? { key, views: [] };
    members.set(text, group);
    group.views.push(view);
  }
  const groups = [...members.values()].map(({ key, views: grouped }): Group => {
    const values = request.scoreOf ? grouped.map(request.scoreOf).filter((value): value is number => value !== null) : [];
    const stats = request.scoreOf ? sampleStats(values) : { ...sampleStats([]), n: grouped.length };
    return { key, ...stats, runs: grouped.map((view) => view.summary()!.short_id) };
  });
  if (request.direction) {
    const sign = request.direction === "max" ? -1 : 1;
    groups.sort((a, b) => (a.mean === null ? (b.mean === null ? 0 : 1) : b.mean === null ? -1 : sign * (a.mean - b.mean)));
  }
  return { by: request.keys.map((key) => key.text), value: request.value, direction: request.direction, groups };
}

/** `best --group-by`: the selected runs grouped, each run's value its metric by `agg`. */
export function groupBest(
  store: string,
  request: { selection: Selection; keys: GroupKey[]; steps: PathStep[]; metric: string; agg: Aggregate; direction: Direction },
  warn: Warn,
): Grouping {
  const { runs } = selectRuns(store, request.selection, Number.POSITIVE_INFINITY, warn);
  const scoreOf = (view: RunView) => readable(store, view.runId, warn, () => score(view, request.steps, request.agg))?.value ?? null;
  return groupRuns(runs, { keys: request.keys, scoreOf, value: `${request.agg}(${request.metric})`, direction: request.direction });
}

/**
 * `ls --group-by`: the selected runs grouped; the statistics are of the `--sort` operand when
 * given, else of the goal metric's last value when the project names one, else only n counts.
 */
export function groupListing(
  store: string,
  request: { selection: Selection; keys: GroupKey[]; value: { operand: Operand; direction: Direction } | null },
  warn: Warn,
): Grouping {
  const { runs } = selectRuns(store, request.selection, Number.POSITIVE_INFINITY, warn);
  const value = request.value;
  if (!value) return groupRuns(runs, { keys: request.keys, value: null, direction: null });
  const scoreOf = (view: RunView) => {
    const found = readable(store, view.runId, warn, () => shownValue(view, value.operand));
    const number = Array.isArray(found) ? null : asNumber(found);
    return number !== null && Number.isFinite(number) ? number : null;
  };
  return groupRuns(runs, { keys: request.keys, scoreOf, value: value.operand.text, direction: value.direction });
}
