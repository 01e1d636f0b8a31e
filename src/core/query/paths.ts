/**
 * `exprag paths`: the value paths the selected runs hold, with counts, types and examples: the
 * tracked values' paths, and the `params.*` and `meta.*` paths `--where` can also use.
 */
import { decodeEnvelope } from "../record/decode";
import { trackedValue } from "../record/decode-context";
import { type OnProgress, readable, recordsOf, type Warn } from "./records";
import type { RunView } from "./run-view";
import { type LeafType, leafType, leaves } from "./value-paths";

export type PathSource = "tracked" | "params" | "meta";

export interface PathInfo {
  path: string;
  /** Where it comes from: the tracked values, the command line, or the metadata. */
  source: PathSource;
  count: number;
  runs: number;
  types: LeafType[];
  numeric: boolean;
  examples: unknown[];
}

const EXAMPLES = 3;

interface Collected {
  source: PathSource;
  count: number;
  runs: Set<string>;
  types: Set<LeafType>;
  examples: unknown[];
  seen: Set<string>;
}

export function collectPaths(views: RunView[], warn: Warn, progress?: OnProgress): PathInfo[] {
  const paths = new Map<string, Collected>();
  const add = (path: string, source: PathSource, runId: string, value: unknown) => {
    let info = paths.get(path);
    if (!info) {
      info = { source, count: 0, runs: new Set(), types: new Set(), examples: [], seen: new Set() };
      paths.set(path, info);
    }
    info.count++;
    info.runs.add(runId);
    info.types.add(leafType(value));
    if (info.examples.length >= EXAMPLES) return;
    const text = JSON.stringify(value);
    if (info.seen.has(text)) return;
    info.seen.add(text);
    info.examples.push(value);
  };
  for (const [index, view] of views.entries()) {
    progress?.(index, views.length);
    readable(view.store, view.runId, warn, () => {
      for (const [path, value] of leaves(view.params())) if (path !== "value") add(`params.${path}`, "params", view.runId, value);
      for (const [path, value] of leaves(view.metadata())) if (path !== "value") add(`meta.${path}`, "meta", view.runId, value);
      recordsOf(view.file, warn, (record) => {
        const envelope = decodeEnvelope(record);
        const tracked = trackedValue(envelope.kind, envelope.value);
        if (tracked === undefined) return;
        for (const [path, value] of leaves(tracked)) add(path, "tracked", view.runId, value);
      });
    });
  }
  const order: Record<PathSource, number> = { tracked: 0, params: 1, meta: 2 };
  return [...paths.entries()]
    .map(([path, info]) => ({
      path,
      source: info.source,
      count: info.count,
      runs: info.runs.size,
      types: [...info.types].sort(),
      numeric: info.types.size === 1 && info.types.has("number"),
      examples: info.examples,
    }))
    .sort((a, b) => order[a.source] - order[b.source] || a.path.localeCompare(b.path));
}
