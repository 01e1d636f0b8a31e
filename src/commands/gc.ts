import { rmSync } from "node:fs";
import { openRepositoryOrFail } from "../core/git/repository";
import { orphanedSnapshotRefs, removeSnapshotRefs } from "../core/git/snapshot-refs";
import { temporaryIndexes } from "../core/git/work-tree";
import { orphanedRerunWorktrees, removeWorktrees } from "../core/git/worktrees";
import { log } from "../render/log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "gc",
  description:
    "Delete snapshot refs (run/<id>), pushed or pulled run refs and the worktrees of reruns and sweeps whose run file is gone, and temporary indexes killed runs left",
  args: {
    "dry-run": { type: "boolean", description: "List what would be deleted, delete nothing" },
    ...jsonArg,
    ...storeArgs,
  },
  run({ args, store, cwd, env, warn }) {
    const { git, repo } = openRepositoryOrFail(cwd, env);
    const dryRun = args["dry-run"] === true;
    const search = orphanedSnapshotRefs(git, store);
    for (const { ref, reason } of search.doubtful) warn(`kept ${ref}: ${reason}, so its run cannot be proven deleted (git update-ref -d ${ref} deletes it)`);
    const removal = removeSnapshotRefs(
      git,
      search.orphaned.map(({ ref }) => ref),
      dryRun,
    );
    for (const kept of removal.kept) warn(`${kept.ref} is ${kept.reason}; kept`);
    for (const failed of removal.failed) warn(`could not delete ${failed.ref}: ${failed.reason}`);
    if (!args.json) for (const ref of removal.deleted) printData(`${ref}\n`);
    const deleted = removal.deleted.length;
    log.info(`${dryRun ? "would delete" : "deleted"} ${deleted} snapshot ref${deleted === 1 ? "" : "s"} of runs no longer in ${store}`);
    const worktrees = orphanedRerunWorktrees(git, store);
    for (const { path, reason } of worktrees.kept) warn(`kept the worktree ${path}: ${reason}`);
    const removed = removeWorktrees(git, worktrees.orphaned, dryRun);
    for (const { path, reason } of removed.failed) warn(`could not remove the worktree ${path}: ${reason}`);
    for (const path of removed.removed) printData(`${path}\n`);
    if (removed.removed.length || removed.failed.length) {
      const count = removed.removed.length;
      log.info(`${dryRun ? "would remove" : "removed"} ${count} worktree${count === 1 ? "" : "s"} of reruns or sweeps whose run is no longer in ${store}`);
    }
    const indexes: string[] = [];
    const keptIndexes: { path: string; reason: string }[] = [];
    for (const { path, owner } of temporaryIndexes(repo)) {
      if (owner === "alive") continue;
      if (owner === "unknown") {
        keptIndexes.push({ path, reason: "it names no owner" });
        warn(`kept ${path}: it names no owner (an older exprag made it); delete it if no exprag run is reading git`);
        continue;
      }
      if (!dryRun) rmSync(path, { force: true });
      indexes.push(path);
      log.info(`${dryRun ? "would delete" : "deleted"} ${path}, left by a run that was killed`);
    }
    if (args.json) {
      const kept = [...search.doubtful.map(({ ref, reason }) => ({ ref, reason })), ...removal.kept, ...removal.failed];
      printData(
        `${JSON.stringify({ dry_run: dryRun, refs_deleted: removal.deleted, refs_kept: kept, indexes_deleted: indexes, indexes_kept: keptIndexes })}\n`,
      );
    }
  },
});
