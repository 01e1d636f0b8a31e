import { readSync } from "node:fs";
import { EXIT, UserError, usageError } from "../core/errors";
import { removeRun } from "../core/git/remove-run";
import { openRepository } from "../core/git/repository";
import { writeFully } from "../core/os/io";
import { isTerminal } from "../core/os/posix";
import { isFiltered, selectRuns } from "../core/query/selection";
import { parseSelection } from "../core/query/selection-flags";
import { summarizeRun } from "../core/query/summary";
import { shortId } from "../core/record/refs";
import { log } from "../render/log";
import { printData } from "../render/output";
import { jsonArg, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
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
    runs: { type: "positional", description: "The runs to delete (or a selection: --name, --where...)", required: false },
    yes: { type: "boolean", alias: "y", description: "Do not ask (required when not at a terminal)" },
    force: { type: "boolean", description: "Also delete runs that are still running" },
    ...selectionArgs,
    ...jsonArg,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag rm 3f9c2a1b --yes
  exprag rm --name smoke-test --status failed      # asks first, listing them

${WHERE_HELP}`,
  run({ args, store, cwd, env, warn }) {
    const selection = parseSelection(args, args.runs);
    if (!args.runs.length && !isFiltered(selection))
      throw usageError("rm needs the runs to delete: run references, or a selection such as --name or --where", "usage: exprag rm <run>... [--yes]");
    const runs = selectRuns(store, selection, Number.POSITIVE_INFINITY, warn).runs.map((view) => ({ runId: view.runId, file: view.file }));
    if (runs.length === 0) throw new UserError("no run matches; nothing deleted", EXIT.failure);
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
    const deleted: string[] = [];
    const failed: { run_id: string; failures: string[] }[] = [];
    const keptRefs: string[] = [];
    for (const run of runs) {
      const removal = removeRun(store, run, git);
      if (removal.keptRef) {
        keptRefs.push(removal.keptRef);
        warn(`${removal.keptRef} is checked out; kept`);
      }
      if (removal.failures.length) {
        failed.push({ run_id: run.runId, failures: removal.failures });
        warn(`run ${shortId(run.runId)}: could not delete ${removal.failures.join(", ")}`);
        continue;
      }
      deleted.push(run.runId);
      if (!args.json) printData(`${run.runId}\n`);
    }
    if (args.json) printData(`${JSON.stringify({ deleted, failed, refs_kept: keptRefs })}\n`);
    if (failed.length) throw new UserError(`deleted ${deleted.length} of ${runs.length} runs; see the warnings above`, EXIT.failure);
    log.info(`deleted ${runs.length} run${runs.length === 1 ? "" : "s"}`);
  },
});
