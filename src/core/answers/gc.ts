/**
 * `exprag gc`: what deleted runs left behind goes: their snapshot refs and pushed or pulled run
 * refs, the worktrees of their reruns and sweeps, their entries in the series cache, and the
 * temporary indexes and half-placed files of killed runs, and outputs kept for runs now gone.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { errnoReason } from "../errors";
import { temporaryIndexes } from "../git/index-copy";
import { openRepositoryOrFail } from "../git/repository";
import { orphanedSnapshotRefs, removeSnapshotRefs } from "../git/snapshot-refs";
import { orphanedRerunWorktrees, removeWorktrees } from "../git/worktrees";
import { abandonedStagedFiles, isSymlink } from "../os/files";
import { seriesCache } from "../query/series-cache";
import { RUN_ID } from "../record/refs";
import { refuseLinkedStore, runFilePath, runsDir } from "../store";
import type { AnswerContext } from "./context";

export interface GcRequest {
  /** Say what would go, delete nothing. */
  dryRun: boolean;
}

export interface GcAnswer {
  data: {
    dry_run: boolean;
    refs_deleted: string[];
    refs_kept: { ref: string; reason: string }[];
    indexes_deleted: string[];
    indexes_kept: { path: string; reason: string }[];
    worktrees_removed: string[];
    worktrees_kept: { path: string; reason: string }[];
    /** Entries of the series cache (see series-cache.ts) whose run file is gone. */
    cache_entries_deleted: number;
    /** Files an exprag was killed while writing under a hidden name (a run's first records, a queued point). */
    staged_files_deleted: string[];
    /** Kept outputs (run --keep-outputs) whose run file is gone: a run deleted while it still ran, or by hand. */
    outputs_deleted: string[];
  };
  /** The worktrees of reruns and sweeps removed, and those that could not be. */
  worktrees: { removed: string[]; failed: { path: string; reason: string }[] };
}

export function answerGc({ dryRun }: GcRequest, { store, cwd, env, warn }: AnswerContext): GcAnswer {
  refuseLinkedStore(store);
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const search = orphanedSnapshotRefs(git, store);
  for (const { ref, reason } of search.doubtful) warn(`kept ${ref}: ${reason}, so its run cannot be proven deleted`);
  const removal = removeSnapshotRefs(
    git,
    search.orphaned.map(({ ref }) => ref),
    dryRun,
  );
  for (const kept of removal.kept) warn(`${kept.ref} is ${kept.reason}; kept`);
  for (const failed of removal.failed) warn(`could not delete ${failed.ref}: ${failed.reason}`);
  const worktrees = orphanedRerunWorktrees(git, store);
  for (const { path, reason } of worktrees.kept) warn(`kept the worktree ${path}: ${reason}`);
  const removed = removeWorktrees(git, worktrees.orphaned, dryRun);
  for (const { path, reason } of removed.failed) warn(`could not remove the worktree ${path}: ${reason}`);
  const indexes: string[] = [];
  const keptIndexes: { path: string; reason: string }[] = [];
  for (const { path, owner } of temporaryIndexes(repo.gitDir)) {
    if (owner === "alive") continue;
    if (owner === "unknown") {
      keptIndexes.push({ path, reason: "it names no owner" });
      warn(`kept ${path}: it names no owner (an older exprag made it); delete it if no exprag run is reading git`);
      continue;
    }
    if (!dryRun) rmSync(path, { force: true });
    indexes.push(path);
  }
  const cacheEntries = seriesCache(store).prune((runId) => existsSync(runFilePath(store, runId)), dryRun);
  const staged = [store, runsDir(store)].flatMap((folder) => abandonedStagedFiles(folder)).filter((path) => dryRun || deleted(path, warn));
  const outputs = orphanedOutputs(store).filter((path) => dryRun || deleted(path, warn));
  const kept = [...search.doubtful.map(({ ref, reason }) => ({ ref, reason })), ...removal.kept, ...removal.failed];
  return {
    data: {
      dry_run: dryRun,
      refs_deleted: removal.deleted,
      refs_kept: kept,
      indexes_deleted: indexes,
      indexes_kept: keptIndexes,
      worktrees_removed: removed.removed,
      worktrees_kept: [...worktrees.kept, ...removed.failed],
      cache_entries_deleted: cacheEntries,
      staged_files_deleted: staged,
      outputs_deleted: outputs,
    },
    worktrees: { removed: removed.removed, failed: removed.failed },
  };
}

/** The folders of kept outputs (`<store>/outputs/<run_id>`) whose run file is gone; none through a link. */
function orphanedOutputs(store: string): string[] {
  const folder = join(store, "outputs");
  if (isSymlink(folder)) return [];
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.filter((name) => RUN_ID.test(name) && !existsSync(runFilePath(store, name))).map((name) => join(folder, name));
}

/** Removes `path` (a folder with what it holds); false, with a warning, when it cannot be (another user's file in a shared store). */
function deleted(path: string, warn: AnswerContext["warn"]): boolean {
  try {
    rmSync(path, { force: true, recursive: true });
    return true;
  } catch (error) {
    warn(`could not delete ${path} (${errnoReason(error)})`);
    return false;
  }
}
