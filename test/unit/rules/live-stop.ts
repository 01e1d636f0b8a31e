/** A live run's stop, for the stop-rule tests: record lines fed through a run's ingest and the rules' observer. */
import type { StoppedBy } from "../../../src/core/record/schema";
import type { RunFile } from "../../../src/core/record/writer";
import { parseStopRule } from "../../../src/core/rules/stop-rule";
import { StopRules } from "../../../src/core/rules/stop-rules";
import { RecordIngest } from "../../../src/core/run/ingest";
import { rulesObserver } from "../../../src/core/run/stopping";

export const facts = { runId: "01a24380-0000-7000-8000-000000000001", name: "train", params: { lr: 0.1 }, metadata: { seed: 3 }, tags: ["a"] };

/**
 * Feeds record lines (payloads of `EXPRAG::` lines) to a run's ingest with the rules' observer,
 * as a live run does: a plain line probed (and skipped when its numbers leave every rule false),
 * any other parsed. With `probed` false, every record is parsed and every rule checked after it.
 * Where the first rule held: the line's 1-based index and what the run would record, or null.
 */
export function liveStop(rules: string[], lines: string[], probed = true): { at: number; by: StoppedBy } | null {
  const checker = new StopRules(
    rules.map((rule) => parseStopRule(rule)),
    facts,
  );
  let written = 0;
  const runFile = {
    path: "f",
    get nextLine() {
      return written + 1;
    },
    addBytes: () => written++,
    add: () => written++,
  } as unknown as RunFile;
  const ingest = new RecordIngest(runFile, () => {});
  let stopped: StoppedBy | null = null;
  // Each record a later time, so a stop recorded with another record's time shows.
  const observer = rulesObserver(
    checker,
    "f",
    () => 1000 + written,
    () => ingest.divergence !== null,
    {
      stopped: () => stopped !== null,
      stop: (by) => {
        stopped = by;
      },
    },
  );
  ingest.observer = probed ? observer : { ...observer, probe: null };
  for (const [index, line] of lines.entries()) {
    const bytes = Buffer.from(line);
    ingest.lineBytes(bytes, 0, bytes.length, "stdout");
    if (stopped) return { at: index + 1, by: stopped };
  }
  return null;
}

/** Where a live run stops (see liveStop): the 1-based index of the line. */
export const stopsAtLineAsLive = (rules: string[], lines: string[]) => liveStop(rules, lines)?.at ?? null;
