/** `exprag values`: the series of one value path, each point with the `file:line` it came from. */
import { asObject, decodeEnvelope } from "../record/decode";
import { shortId } from "../record/refs";
import { unknownPathError } from "./known-paths";
import { readable, recordsOf, type Warn } from "./records";
import type { RunView } from "./run-view";
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

export interface Series {
  /** Oldest first: runs in the order they started, each run's points in the order recorded. */
  points: SeriesPoint[];
  /** How many points there were before `--last` and the cap. */
  total: number;
  /** How many points `--last` kept, before the cap. */
  kept: number;
}

/** A queue that keeps the last `size` items pushed into it (memory stays bounded however long the series). */
class LastItems<T> {
  private items: T[] = [];
  private start = 0;
  constructor(private readonly size: number) {}
  push(item: T): void {
    if (this.size === 0) return;
    this.items.push(item);
    if (this.items.length - this.start > this.size) this.start++;
    if (this.start > 4096 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }
  values(): T[] {
    return this.items.slice(this.start);
  }
}

/**
 * The values at `steps` in the runs' track records (a path naming an object gives the whole
 * object per point): the last `lastPerRun` points of each run, then the last `cap` of those.
 * Given the path as written, a path none of the runs has is a usage error naming the closest ones.
 */
export function series(views: RunView[], steps: PathStep[], options: { lastPerRun: number; cap: number; path?: string }, warn: Warn): Series {
  const all = new LastItems<SeriesPoint>(options.cap);
  let total = 0;
  let kept = 0;
  const key = searchKey(steps);
  for (const view of views) {
    const run = new LastItems<SeriesPoint>(options.lastPerRun);
    readable(view.store, view.runId, warn, () =>
      recordsOf(
        view.file,
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
            run.push({
              run_id: view.runId,
              short_id: shortId(view.runId),
              step: typeof step === "number" ? step : null,
              elapsed_ms: envelope.elapsedMs,
              created_at: envelope.createdAt,
              value,
              source: `${view.file}:${line}`,
            });
          }
        },
        key,
      ),
    );
    for (const point of run.values()) {
      kept++;
      all.push(point);
    }
  }
  if (total === 0 && views.length && options.path !== undefined) throw unknownPathError({ path: options.path, option: null, trackedOnly: true }, views, warn);
  return { points: all.values(), total, kept };
}
