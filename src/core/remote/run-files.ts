/** A run's files in the store, as the tree of its commit names them, and their versions now. */
import { annotationFiles, annotationsPath } from "../record/annotations";
import { runFilePath, runLogPath } from "../store";
import type { HashCache } from "./hash-cache";
import { FILE_KINDS, type RunFileKind, TREE_NAMES } from "./layout";
import { type FileVersion, hashFile, hashLines, type ObjectFormat, type TreeEntries } from "./objects";

export function runFilePaths(store: string, runId: string): Record<RunFileKind, string> {
  const run = runFilePath(store, runId);
  // A store written the old way keeps a run's annotations beside it until their next write.
  return { run, log: runLogPath(store, runId), annotations: annotationFiles(run).at(-1) ?? annotationsPath(run) };
}

export type RunVersions = Record<RunFileKind, FileVersion | null>;

/**
 * The versions of a run's files now (null: no such file). For a push, the run file only up to its
 * last whole record (`wholeLines`): a run still being written may be in the middle of one.
 */
export function runVersions(store: string, runId: string, format: ObjectFormat, wholeLines: boolean, cache?: HashCache): RunVersions {
  const paths = runFilePaths(store, runId);
  const version = (path: string, whole = false) => (cache ? cache.version(path, whole) : hashFile(path, format, whole));
  // Annotations by the lines they hold, whatever order two stores appended them in; through a
  // link as the other files are (a pull compares, and writes through none; a push, with its cache, reads none).
  return { run: version(paths.run, wholeLines), log: version(paths.log), annotations: hashLines(paths.annotations, format, cache === undefined) };
}

/** The tree these versions make on top of `base` (a file missing here stays as the base has it). */
export function treeOf(versions: Partial<RunVersions>, base: TreeEntries | null): TreeEntries {
  const entries: TreeEntries = new Map(base ?? []);
  for (const kind of FILE_KINDS) {
    const version = versions[kind];
    if (version) entries.set(TREE_NAMES[kind], version.id);
  }
  return entries;
}
