/**
 * `exprag outputs RUN`: the files a run left, and for each whether it is still the one the run
 * wrote ("current"), was overwritten by a later run ("overwritten", naming it), was changed by
 * something else ("changed"), or is gone ("missing"); and the path to load it from.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { hashFile, keptOutputsDir, keptPath, pathMatcher } from "../context/outputs";
import { EXIT, UserError } from "../errors";
import { decodeEnvelope, decodeOutputs, parseRecord } from "../record/decode";
import { TailReader } from "../record/reader";
import { listRunIds, resolveRunRef, shortId } from "../record/refs";
import type { OutputFile, OutputsValue } from "../record/schema";
import { runFilePath } from "../store";
import { readable, type Warn } from "./records";

export type OutputState = "current" | "overwritten" | "changed" | "missing";

export interface OutputEntry extends OutputFile {
  state: OutputState;
  /** The later run whose output the file now is (or the last later run that wrote it). */
  overwritten_by: string | null;
  /** The file in the work tree. */
  file: string;
  /** The run's copy in the store (--keep-outputs), when it has one. */
  kept_copy: string | null;
  /** Where to load what the run wrote: the file while it is current, else the kept copy; null when neither. */
  load: string | null;
}

export interface OutputsAnswer {
  run_id: string;
  short_id: string;
  /** The folder the paths are relative to; null when the run recorded no outputs. */
  root: string | null;
  files: OutputEntry[];
  /** Files the run left past the listed limit. */
  more: number;
}

export interface OutputsRequest {
  run: string;
  /** Only paths these globs match (none: all). */
  globs: string[];
}

export function runOutputs(store: string, request: OutputsRequest, warn: Warn): OutputsAnswer {
  const { runId, file } = resolveRunRef(store, request.run);
  const recorded = readable(store, runId, warn, () => outputsOf(file));
  const answer: OutputsAnswer = { run_id: runId, short_id: shortId(runId), root: recorded?.root ?? null, files: [], more: recorded?.more ?? 0 };
  if (!recorded) return answer;
  const matches = pathMatcher(request.globs);
  const files = recorded.files.filter((output) => matches(output.path));
  let later: { runId: string; outputs: Map<string, string> }[] | undefined;
  const laterRuns = () => {
    later ??= listRunIds(store)
      .filter((id) => id > runId)
      .flatMap((id) => {
        const outputs = readable(store, id, warn, () => outputsOf(runFilePath(store, id)));
        return outputs && outputs.root === recorded.root ? [{ runId: id, outputs: new Map(outputs.files.map((f) => [f.path, f.hash])) }] : [];
      });
    return later;
  };
  const keptDir = keptOutputsDir(store, runId);
  answer.files = files.map((output) => {
    const path = join(recorded.root, output.path);
    const state = stateOf(path, output);
    let overwrittenBy: string | null = null;
    if (state.state === "changed") {
      const writers = laterRuns().filter((run) => run.outputs.has(output.path));
      const writer = writers.findLast((run) => run.outputs.get(output.path) === state.hash) ?? writers.at(-1);
      if (writer) overwrittenBy = shortId(writer.runId);
    }
    const copy = output.kept ? keptPath(keptDir, output.path) : null;
    const keptCopy = copy && existsSync(copy) ? copy : null;
    return {
      ...output,
      state: overwrittenBy ? "overwritten" : state.state,
      overwritten_by: overwrittenBy,
      file: path,
      kept_copy: keptCopy,
      load: state.state === "current" ? path : keptCopy,
    };
  });
  return answer;
}

/** The paths to load, one per output; fails when no output of the run can be loaded any more. */
export function loadablePaths(answer: OutputsAnswer): string[] {
  const paths = answer.files.flatMap((file) => (file.load ? [file.load] : []));
  if (paths.length) return paths;
  const reason = answer.files.length ? "none is still as the run wrote it, and none was kept (--keep-outputs keeps copies)" : "it recorded none that match";
  throw new UserError(`no output of run ${answer.short_id} to load: ${reason}`, EXIT.failure);
}

/** Whether the file is still what the run wrote: same size and time, else the same hash. */
function stateOf(path: string, output: OutputFile): { state: OutputState; hash?: string } {
  let size: number;
  let mtime: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { state: "missing" };
    size = stat.size;
    mtime = Math.floor(stat.mtimeMs);
  } catch {
    return { state: "missing" };
  }
  if (size === output.size && mtime === output.mtime_ms) return { state: "current" };
  const hash = hashFile(path) ?? undefined;
  return { state: hash === output.hash ? "current" : "changed", hash };
}

/** A run's `outputs` record: it comes just before run_end, so the file is read from its end. */
function outputsOf(file: string): OutputsValue | null {
  const tail = new TailReader(file);
  try {
    for (let line = tail.previous(), read = 0; line !== null && read < 3; line = tail.previous(), read++) {
      const record = parseRecord(line);
      if (record && decodeEnvelope(record).kind === "outputs") return decodeOutputs(record.value);
    }
  } finally {
    tail.close();
  }
  return null;
}
