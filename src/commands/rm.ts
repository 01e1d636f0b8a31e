import { defineCommand } from "citty";
import { readSync, rmSync } from "node:fs";
import { EXIT, UserError, usageError } from "../core/errors";
import { FALLBACK_REF_PREFIX, openRepository, SNAPSHOT_BRANCH_PREFIX } from "../core/git/capture";
import { isTerminal } from "../core/os/posix";
import { checkedOutBranches } from "../core/git/restore";
import { resolveRunRef, shortId } from "../core/record/refs";
import { readRunStart } from "../core/record/reader";
import { resolveStoreDir, runLogPath } from "../core/store";
import { writeFully } from "../core/os/io";
import { log } from "../log";
import { printData } from "../render/table";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  runs: { type: "positional", description: "The runs to delete" },
  yes: { type: "boolean", alias: "y", description: "Do not ask (required when not at a terminal)" },
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "rm", description: "Delete runs: their run files, output logs and snapshot refs" },
  args,
});

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("rm", argv, args);
  if (parsed.help) return -1;
  if (!parsed.positionals.length) throw usageError("rm needs the runs to delete", "usage: exprag rm <run>... [--yes]");
  const cwd = process.cwd();
  const store = resolveStoreDir(parsed.options.dir as string | undefined, process.env, cwd);
  const runs = [...new Map(parsed.positionals.map((reference) => resolveRunRef(store, reference)).map((r) => [r.runId, r])).values()];
  if (!parsed.options.yes) {
    if (!isTerminal(0) || !isTerminal(2)) throw usageError(`not deleting ${runs.length} run(s) without --yes`, "exprag rm asks only at a terminal");
    if (!confirm(`delete ${runs.length} run${runs.length === 1 ? "" : "s"} (${runs.map((r) => shortId(r.runId)).join(" ")}) and their snapshots? [y/N] `)) {
      throw new UserError("nothing deleted", EXIT.failure);
    }
  }
  const opened = openRepository(cwd, process.env);
  const repository = typeof opened === "string" ? null : opened.git;
  const inUse = repository ? checkedOutBranches(repository) : new Set<string>();
  for (const { runId, file } of runs) {
    const ref = (readRunStart(file)?.value as { git?: { snapshot_ref?: unknown } } | undefined)?.git?.snapshot_ref;
    const ours = [`refs/heads/${SNAPSHOT_BRANCH_PREFIX}${runId}`, `${FALLBACK_REF_PREFIX}${runId}`];
    if (typeof ref === "string" && ours.includes(ref) && repository) {
      if (inUse.has(ref)) log.warn(`${ref} is checked out; kept`);
      else repository.run(["update-ref", "-d", ref]);
    }
    rmSync(file, { force: true });
    rmSync(runLogPath(store, runId), { force: true });
    printData(`${runId}\n`);
  }
  log.info(`deleted ${runs.length} run${runs.length === 1 ? "" : "s"}`);
  return 0;
}

function confirm(question: string): boolean {
  writeFully(2, Buffer.from(question));
  const buffer = Buffer.alloc(256);
  const bytes = readSync(0, buffer, 0, buffer.length, null);
  return /^y(es)?$/i.test(buffer.toString("utf8", 0, bytes).trim());
}

export default { definition, main } satisfies ExpragCommand;
