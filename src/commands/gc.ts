import { rmSync } from "node:fs";
import { openRepositoryOrFail } from "../core/git/repository";
import { orphanedSnapshotRefs, removeSnapshotRefs } from "../core/git/snapshot-refs";
import { temporaryIndexes } from "../core/git/work-tree";
import { log } from "../log";
import { printData } from "../render/output";
import { storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "gc",
  description: "Delete snapshot refs (run/<id>) and pushed or pulled run refs whose run file is gone, and temporary indexes killed runs left",
  args: {
    "dry-run": { type: "boolean", description: "List what would be deleted, delete nothing" },
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
    for (const ref of removal.deleted) printData(`${ref}\n`);
    const deleted = removal.deleted.length;
    log.info(`${dryRun ? "would delete" : "deleted"} ${deleted} snapshot ref${deleted === 1 ? "" : "s"} of runs no longer in ${store}`);
    for (const { path, owner } of temporaryIndexes(repo)) {
      if (owner === "alive") continue;
      if (owner === "unknown") {
        warn(`kept ${path}: it names no owner (an older exprag made it); delete it if no exprag run is reading git`);
        continue;
      }
      if (!dryRun) rmSync(path, { force: true });
      log.info(`${dryRun ? "would delete" : "deleted"} ${path}, left by a run that was killed`);
    }
  },
});
