/**
 * `exprag tree`: the lineage of the selected runs (`from` links) as a tree: each run with its
 * decision, the goal metric, and what changed from its parent (the params that differ, and
 * whether the code did). A run whose parent is not selected is a root; so is a run on a cycle a
 * hand-made store could hold, so every selected run appears exactly once.
 */
import { readable, type Warn } from "../query/records";
import type { RunView } from "../query/run-view";
import { type Selection, selectRuns } from "../query/selection";
import { asNumber } from "../query/value-paths";
import type { DecisionKind } from "../record/schema";
import { type Changes, changesBetween } from "./changes";
import type { Goal } from "./goal";

export interface TreeRequest {
  selection: Selection;
  goal: Goal | null;
}

export interface TreeNode {
  run_id: string;
  short_id: string;
  name: string;
  status: string;
  started_at: string;
  decision: DecisionKind | null;
  why: string | null;
  /** The goal metric's last value; null without one. */
  value: number | null;
  /** What differs from the parent; null for a root. */
  changed: Changes | null;
  children: TreeNode[];
}

export interface Tree {
  goal: { metric: string; direction: "max" | "min" } | null;
  /** The roots, oldest first; children oldest first too. */
  roots: TreeNode[];
  count: number;
}

export function lineageTree(store: string, request: TreeRequest, warn: Warn): Tree {
  const views = selectRuns(store, request.selection, Number.POSITIVE_INFINITY, warn).runs.reverse();
  const nodes = new Map<string, { node: TreeNode; view: RunView; from: string | null }>();
  for (const view of views) {
    const entry = readable(store, view.runId, warn, () => {
      const summary = view.summary();
      if (!summary) return null;
      const found = request.goal ? view.lastValues(request.goal.steps) : undefined;
      const value = found?.length ? asNumber(found.at(-1)) : null;
      const node: TreeNode = {
        run_id: summary.run_id,
        short_id: summary.short_id,
        name: summary.experiment_name,
        status: summary.status,
        started_at: summary.started_at,
        decision: view.annotations().decision?.decision ?? null,
        why: summary.why,
        value: value !== null && Number.isFinite(value) ? value : null,
        changed: null,
        children: [],
      };
      return { node, view, from: summary.from };
    });
    if (entry) nodes.set(view.runId, entry);
  }
  const roots: TreeNode[] = [];
  const placed = new Set<string>();
  // Children in start order: `views` is oldest first.
  for (const [runId, entry] of nodes) {
    const parent = entry.from !== null && entry.from !== runId ? nodes.get(entry.from) : undefined;
    if (!parent) continue;
    entry.node.changed = readable(store, runId, warn, () => changesBetween(parent.view, entry.view));
    parent.node.children.push(entry.node);
  }
  for (const [runId, entry] of nodes) {
    if (entry.from !== null && entry.from !== runId && nodes.has(entry.from)) continue;
    roots.push(entry.node);
    markPlaced(entry.node, placed);
  }
  // Runs on a cycle of `from` links are reached from no root: the oldest of each becomes one.
  for (const [runId, entry] of nodes) {
    if (placed.has(runId)) continue;
    const parent = nodes.get(entry.from!)!;
    parent.node.children = parent.node.children.filter((child) => child !== entry.node);
    entry.node.changed = null;
    roots.push(entry.node);
    markPlaced(entry.node, placed);
  }
  return { goal: request.goal && { metric: request.goal.metric, direction: request.goal.direction }, roots, count: nodes.size };
}

function markPlaced(root: TreeNode, placed: Set<string>): void {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (placed.has(node.run_id)) continue;
    placed.add(node.run_id);
    stack.push(...node.children);
  }
}

/** The tree as lines, parents before children, in order: an only child stays in its parent's column. */
export function treeLines(tree: Tree, line: (node: TreeNode) => string): string[] {
  const lines: string[] = [];
  const stack: { node: TreeNode; indent: string; marker: string }[] = tree.roots.map((node) => ({ node, indent: "", marker: "" })).reverse();
  while (stack.length) {
    const { node, indent, marker } = stack.pop()!;
    lines.push(`${indent}${marker}${line(node)}`);
    const children = node.children;
    // A chain (each run the only child of the last) stays in one column, however long.
    if (children.length === 1) {
      stack.push({ node: children[0]!, indent: marker === "├ " || marker === "└ " ? `${indent}  ` : indent, marker: "↳ " });
      continue;
    }
    const childIndent = marker ? `${indent}  ` : indent;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, indent: childIndent, marker: i === children.length - 1 ? "└ " : "├ " });
  }
  return lines;
}
