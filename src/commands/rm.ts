import { readSync } from "node:fs";
import { EXIT, UserError, usageError } from "../core/errors";
import { removeRun } from "../core/git/remove-run";
import { openRepository } from "../core/git/repository";
import { writeFully } from "../core/os/io";
import { isTerminal } from "../core/os/posix";
import { summarizeRun } from "../core/query/summary";
import { resolveRunRef, shortId } from "../core/record/refs";
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

/** Whether a run is still being written: its file is read as a summary; one that cannot be read is not. */
function isRunning(store: string, runId: string): boolean {
  try {
    return summarizeRun(store, runId, () => {}, false)?.status === "running";
  } catch {
    return false;
  }
}

export default defineExpragCommand({
  name: "rm",
  description: "Delete runs: their run files, output logs and snapshot refs",
  args: {
    runs: { type: "positional", description: "The runs to delete" },
    yes: { type: "boolean", alias: "y", description: "Do not ask (required when not at a terminal)" },
    force: { type: "boolean", description: "Also delete runs that are still running" },
    ...storeArgs,
  },
  variadic: "runs",
  run({ args, store, cwd, env, warn }) {
    const runs = [...new Map(args.runs.map((reference) => resolveRunRef(store, reference)).map((r) => [r.runId, r])).values()];
    const running = runs.filter((run) => isRunning(store, run.runId));
    if (running.length && !args.force) {
      throw new UserError(
        `not deleting: ${running.map((r) => shortId(r.runId)).join(" ")} ${running.length === 1 ? "is" : "are"} still running`,
        EXIT.failure,
        "wait for it to end, or use --force",
      );
    }
    if (!args.yes) {
      if (!isTerminal(0) || !isTerminal(2)) throw usageError(`not deleting ${runs.length} run(s) without --yes`, "exprag rm asks only at a terminal");
      if (!confirm(`delete ${runs.length} run${runs.length === 1 ? "" : "s"} (${runs.map((r) => shortId(r.runId)).join(" ")}) and their snapshots? [y/N] `)) {
        throw new UserError("nothing deleted", EXIT.failure);
      }
    }
    const opened = openRepository(cwd, env);
    const git = typeof opened === "string" ? null : opened.git;
    let failed = 0;
    for (const run of runs) {
      const removal = removeRun(store, run, git);
      if (removal.keptRef) warn(`${removal.keptRef} is checked out; kept`);
      if (removal.failures.length) {
        failed++;
        warn(`run ${shortId(run.runId)}: could not delete ${removal.failures.join(", ")}`);
        continue;
      }
      printData(`${run.runId}\n`);
    }
    if (failed) throw new UserError(`deleted ${runs.length - failed} of ${runs.length} runs; see the warnings above`, EXIT.failure);
    log.info(`deleted ${runs.length} run${runs.length === 1 ? "" : "s"}`);
  },
});
