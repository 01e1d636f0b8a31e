import { answerGc } from "../core/answers/gc";
import { log } from "../render/log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "gc",
  description:
    "Delete snapshot refs (run/<id>), pushed or pulled run refs and the worktrees of reruns and sweeps whose run file is gone, the temporary indexes and half-placed files killed runs left, the series cache's entries and kept outputs of deleted runs",
  args: {
    "dry-run": { type: "boolean", description: "List what would be deleted, delete nothing" },
    ...jsonArg,
    ...storeArgs,
  },
  run({ args, store, cwd, env, warn }) {
    const dryRun = args["dry-run"] === true;
    const { data, worktrees } = answerGc({ dryRun }, { store, cwd, env, warn });
    if (!args.json) for (const ref of data.refs_deleted) printData(`${ref}\n`);
    const deleted = data.refs_deleted.length;
    log.info(`${dryRun ? "would delete" : "deleted"} ${deleted} snapshot ref${deleted === 1 ? "" : "s"} of runs no longer in ${store}`);
    if (!args.json) for (const path of worktrees.removed) printData(`${path}\n`);
    if (worktrees.removed.length || worktrees.failed.length) {
      const count = worktrees.removed.length;
      log.info(`${dryRun ? "would remove" : "removed"} ${count} worktree${count === 1 ? "" : "s"} of reruns or sweeps whose run is no longer in ${store}`);
    }
    const entries = data.cache_entries_deleted;
    if (entries) log.info(`${dryRun ? "would delete" : "deleted"} ${entries} series cache entr${entries === 1 ? "y" : "ies"} of runs no longer in ${store}`);
    for (const path of [...data.indexes_deleted, ...data.staged_files_deleted])
      log.info(`${dryRun ? "would delete" : "deleted"} ${path}, left by a run that was killed`);
    for (const path of data.outputs_deleted) log.info(`${dryRun ? "would delete" : "deleted"} ${path}, the outputs kept for a run no longer in ${store}`);
    if (args.json) printData(`${JSON.stringify(data)}\n`);
  },
});
