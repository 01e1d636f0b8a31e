import { defineCommand } from "citty";
import { usageError } from "../core/errors";
import { rmSync } from "node:fs";
import { checkedOutBranches, openRepositoryOrFail, orphanedSnapshotRefs, staleTemporaryIndexes } from "../core/git/restore";
import { resolveStoreDir } from "../core/store";
import { log } from "../log";
import { printData } from "../render/table";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  "dry-run": { type: "boolean", description: "List what would be deleted, delete nothing" },
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "gc", description: "Delete snapshot refs (run/<id>) whose run file is gone, and temporary indexes killed runs left" },
  args,
});

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("gc", argv, args);
  if (parsed.help) return -1;
  if (parsed.positionals.length) throw usageError(`unexpected argument '${parsed.positionals[0]}'`, "see 'exprag gc --help'");
  const cwd = process.cwd();
  const store = resolveStoreDir(parsed.options.dir as string | undefined, process.env, cwd);
  const { git, repo } = openRepositoryOrFail(cwd, process.env);
  const inUse = checkedOutBranches(git);
  const dryRun = parsed.options["dry-run"] === true;
  let deleted = 0;
  for (const { ref } of orphanedSnapshotRefs(git, store)) {
    if (inUse.has(ref)) {
      log.warn(`${ref} is checked out; kept`);
      continue;
    }
    if (!dryRun) git.text(["update-ref", "-d", ref]);
    printData(`${ref}\n`);
    deleted++;
  }
  log.info(`${dryRun ? "would delete" : "deleted"} ${deleted} snapshot ref${deleted === 1 ? "" : "s"} of runs no longer in ${store}`);
  for (const path of staleTemporaryIndexes(repo)) {
    if (!dryRun) rmSync(path, { force: true });
    log.info(`${dryRun ? "would delete" : "deleted"} ${path}, left by a run that was killed`);
  }
  return 0;
}

export default { definition, main } satisfies ExpragCommand;
