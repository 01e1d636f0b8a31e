/** `exprag paths`: the value paths the runs' track records hold, with counts, types and examples. */
import { decodeEnvelope } from "../record/decode";
import { runFilePath } from "../store";
import { readable, recordsOf, type Warn } from "./records";
import { type LeafType, leafType, leaves } from "./value-paths";

export interface PathInfo {
  path: string;
  count: number;
  runs: number;
  types: LeafType[];
  numeric: boolean;
  examples: unknown[];
}

const EXAMPLES = 3;

export function collectPaths(store: string, runIds: string[], warn: Warn): PathInfo[] {
  const paths = new Map<string, { count: number; runs: Set<string>; types: Set<LeafType>; examples: unknown[]; seen: Set<string> }>();
  for (const runId of runIds) {
    readable(store, runId, warn, () =>
      recordsOf(runFilePath(store, runId), warn, (record) => {
        const envelope = decodeEnvelope(record);
        if (envelope.kind !== "track") return;
        for (const [path, value] of leaves(envelope.value)) {
          let info = paths.get(path);
          if (!info) {
            info = { count: 0, runs: new Set(), types: new Set(), examples: [], seen: new Set() };
            paths.set(path, info);
          }
          info.count++;
          info.runs.add(runId);
          info.types.add(leafType(value));
          if (info.examples.length >= EXAMPLES) continue;
          const text = JSON.stringify(value);
          if (info.seen.has(text)) continue;
          info.seen.add(text);
          info.examples.push(value);
        }
      }),
    );
  }
  return [...paths.entries()]
    .map(([path, info]) => ({
      path,
      count: info.count,
      runs: info.runs.size,
      types: [...info.types].sort(),
      numeric: info.types.size === 1 && info.types.has("number"),
      examples: info.examples,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
