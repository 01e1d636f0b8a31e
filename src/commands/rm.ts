import { readSync, rmSync } from "node:fs";
import { EXIT, UserError, usageError } from "../core/errors";
import { openRepository } from "../core/git/repository";
import { ownSnapshotRef, removeSnapshotRefs } from "../core/git/snapshot-refs";
import { writeFully } from "../core/os/io";
import { isTerminal } from "../core/os/posix";
import { decodeRunStart } from "../core/record/decode";
import { readRunStart } from "../core/record/reader";
import { resolveRunRef, shortId } from "../core/record/refs";
import { runLogPath } from "../core/store";
import { log } from "../log";
import { printData } from "../render/output";
import { storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

function confirm(question: string): boolean {
  writeFully(2, Buffer.from(question));
  const buffer = Buffer.alloc(256);
  const bytes = readSync(0, buffer, 0, buffer.length, null);
  return /^y(es)?$/i.test(buffer.toString("utf8", 0, bytes).trim());
}

export default defineExpragCommand({
  name: "rm",
  description: "Delete runs: their run files, output logs and snapshot refs",
  args: {
    runs: { type: "positional", description: "The runs to delete" },
    yes: { type: "boolean", alias: "y", description: "Do not ask (required when not at a terminal)" },
    ...storeArgs,
  },
  variadic: "runs",
  run({ args, store, cwd, env, warn }) {
    const runs = [...new Map(args.runs.map((reference) => resolveRunRef(store, reference)).map((r) => [r.runId, r])).values()];
    if (!args.yes) {
      if (!isTerminal(0) || !isTerminal(2)) throw usageError(`not deleting ${runs.length} run(s) without --yes`, "exprag rm asks only at a terminal");
      if (!confirm(`delete ${runs.length} run${runs.length === 1 ? "" : "s"} (${runs.map((r) => shortId(r.runId)).join(" ")}) and their snapshots? [y/N] `)) {
        throw new UserError("nothing deleted", EXIT.failure);
      }
    }
    const opened = openRepository(cwd, env);
    const git = typeof opened === "string" ? null : opened.git;
    for (const { runId, file } of runs) {
      const start = readRunStart(file);
      const ref = ownSnapshotRef(runId, start ? (decodeRunStart(start).git?.snapshot_ref ?? null) : null);
      if (ref && git) {
        const removal = removeSnapshotRefs(git, [ref]);
        for (const kept of removal.kept) warn(`${kept.ref} is ${kept.reason}; kept`);
        for (const failed of removal.failed) warn(`could not delete ${failed.ref}: ${failed.reason}`);
      }
      rmSync(file, { force: true });
      rmSync(runLogPath(store, runId), { force: true });
      printData(`${runId}\n`);
    }
    log.info(`deleted ${runs.length} run${runs.length === 1 ? "" : "s"}`);
  },
});
