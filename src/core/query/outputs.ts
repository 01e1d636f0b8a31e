/**
 * `exprag outputs RUN`: the files a run left, and for each whether it is still the one the run
 * wrote ("current"), was overwritten by a later run ("overwritten", naming it), was changed by
 * something else ("changed"), or is gone ("missing"); and the path to load it from.
 */
import { constants, copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathMatcher } from "../context/output-globs";
import { hashFile, keptOutputsDir, keptPath } from "../context/outputs";
import { EXIT, UserError } from "../errors";
import { isSymlink, linkOnTheWay } from "../os/files";
import { decodeEnvelope, parseRecord } from "../record/decode";
import { decodeOutputs } from "../record/decode-context";
import { listRunIds, resolveReadableRun, shortId } from "../record/refs";
import type { OutputFile, OutputsValue } from "../record/schema";
import { TailReader } from "../record/tail-reader";
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
  /** Why the run's list may lack files it left (its search stopped early); null when it looked everywhere. */
  incomplete: string | null;
}

export interface OutputsRequest {
  run: string;
  /** Only paths these globs match (none: all). */
  globs: string[];
}

export function runOutputs(store: string, request: OutputsRequest, warn: Warn): OutputsAnswer {
  const { runId, file } = resolveReadableRun(store, request.run);
  const recorded = readable(store, runId, warn, () => outputsOf(file));
  const answer: OutputsAnswer = {
    run_id: runId,
    short_id: shortId(runId),
    root: recorded?.root ?? null,
    files: [],
    more: recorded?.more ?? 0,
    incomplete: recorded?.incomplete ?? null,
  };
  if (!recorded) return answer;
  const matches = pathMatcher(request.globs);
  // A path that leads out of the run's folder was not written by exprag: it is never looked at.
  const safe = recorded.files.filter((output) => keptPath(recorded.root, output.path) !== null);
  if (safe.length < recorded.files.length) warn(`${file}: ${recorded.files.length - safe.length} output paths lead out of ${recorded.root}; left out`);
  const files = safe.filter((output) => matches(output.path));
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

/** What a client tells beside the list when the run's list may lack files it left; null when it does not. */
export function lacksNote(answer: OutputsAnswer): string | null {
  return answer.incomplete && `the run's list may lack files it left: ${answer.incomplete}`;
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
export function outputsOf(file: string): OutputsValue | null {
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

/**
 * Fails, naming them, when outputs the run kept would overwrite other versions in `target`; a
 * file of the run's code (`codeFiles`) does not count: git holds it.
 */
export function checkOutputsPlace(store: string, reference: string, target: string, warn: Warn, codeFiles: ReadonlySet<string>): void {
  placesOfOutputs(store, reference, target, false, warn, codeFiles);
}

function placesOfOutputs(store: string, reference: string, target: string, overwrite: boolean, warn: Warn, codeFiles: ReadonlySet<string> = new Set()) {
  const answer = runOutputs(store, { run: reference, globs: [] }, warn);
  const places = answer.files.flatMap((file) => {
    const to = file.kept_copy === null ? null : keptPath(target, file.path);
    return to ? [{ file: file as OutputEntry & { kept_copy: string }, to }] : [];
  });
  if (!overwrite) {
    const inTheWay = places.filter(({ file, to }) => !codeFiles.has(file.path) && existsSync(to) && hashFile(to) !== file.hash).map(({ file }) => file.path);
    if (inTheWay.length) {
      const named = inTheWay.slice(0, 5).join(", ") + (inTheWay.length > 5 ? `, and ${inTheWay.length - 5} more` : "");
      throw new UserError(
        `the work tree holds other versions of ${named}: bringing back the run's outputs would overwrite them`,
        EXIT.failure,
        "use --worktree DIR, or move them aside",
      );
    }
  }
  return { answer, places };
}

export interface RestoredOutputs {
  /** Paths copied back, relative to the target. */
  restored: string[];
  /** Outputs the run did not keep, so they could not be brought back. */
  not_kept: string[];
}

/**
 * Copies a run's kept outputs into `target` (a work tree holding its code). In place (`overwrite`
 * false) a file that is there with other content stops it, naming the files, before anything is
 * copied: what a later run wrote is not lost. A file of the run's code (`codeFiles`) is no such
 * file: git holds it. `makeRoom` readies each file's place first (a rerun's worktree unfolds its links).
 */
export function restoreOutputs(
  store: string,
  reference: string,
  target: string,
  overwrite: boolean,
  warn: Warn,
  codeFiles?: ReadonlySet<string>,
  makeRoom?: (path: string) => void,
): RestoredOutputs {
  const { answer, places } = placesOfOutputs(store, reference, target, overwrite, warn, codeFiles);
  const restored: string[] = [];
  for (const { file, to } of places) {
    makeRoom?.(file.path);
    // A link (one the code holds may point anywhere) is never written through.
    if (isSymlink(to) || linkOnTheWay(target, file.path)) {
      warn(`${file.path}: not brought back: a link is on its way there`);
      continue;
    }
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(file.kept_copy, to, constants.COPYFILE_FICLONE);
    restored.push(file.path);
  }
  return { restored, not_kept: answer.files.filter((file) => file.kept_copy === null).map((file) => file.path) };
}
