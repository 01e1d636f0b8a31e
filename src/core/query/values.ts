/** `exprag values`: the series of one value path, each point with the `file:line` it came from. */
import { asObject, decodeEnvelope } from "../record/decode";
import { shortId } from "../record/refs";
import { runFilePath } from "../store";
import { readable, recordsOf, type Warn } from "./records";
import { STEP_KEYS } from "./summary";
import { type PathStep, searchKey, valuesAt } from "./value-paths";

export interface SeriesPoint {
  run_id: string;
  short_id: string;
  step: number | null;
  elapsed_ms: number;
  created_at: string;
  value: unknown;
  source: string;
}

/**
 * The values at `steps` in the runs' track records, in the order they were recorded: the last
 * `keep` of them (memory stays bounded however long the runs are), and how many there were.
 */
export function series(store: string, runIds: string[], steps: PathStep[], keep: number, warn: Warn): { points: SeriesPoint[]; total: number } {
  const points: SeriesPoint[] = [];
  let total = 0;
  const key = searchKey(steps);
  for (const runId of runIds) {
    const file = runFilePath(store, runId);
    readable(store, runId, warn, () =>
      recordsOf(
        file,
        warn,
        (record, line) => {
          const envelope = decodeEnvelope(record);
          if (envelope.kind !== "track") return;
          const found = valuesAt(envelope.value, steps);
          if (!found.length) return;
          const tracked = asObject(envelope.value);
          const stepKey = STEP_KEYS.find((k) => typeof tracked[k] === "number");
          const step = stepKey ? tracked[stepKey] : null;
          for (const value of found) {
            total++;
            if (points.length >= keep) points.shift();
            points.push({
              run_id: runId,
              short_id: shortId(runId),
              step: typeof step === "number" ? step : null,
              elapsed_ms: envelope.elapsedMs,
              created_at: envelope.createdAt,
              value,
              source: `${file}:${line}`,
            });
          }
        },
        key,
      ),
    );
  }
  return { points, total };
}
