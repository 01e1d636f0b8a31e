import { closeSync, existsSync } from "node:fs";
import { answerLog } from "../core/answers/log";
import { EXIT, errnoReason, UserError, usageError } from "../core/errors";
import { writeFully } from "../core/os/io";
import { isTerminal } from "../core/os/posix";
import { followFile, waitForFile } from "../core/query/follow";
import { followableQueued, noLogError } from "../core/query/log";
import { parseCount } from "../core/query/selection-flags";
import { readRunSummary } from "../core/query/summary";
import { forEachChunk, lastLinesOffset, openRegularFile } from "../core/record/reader";
import { resolveRunRef, shortId } from "../core/record/refs";
import { isUnended } from "../core/record/schema";
import { runLogPath } from "../core/store";
import { TerminalText } from "../render/escape";
import { log } from "../render/log";
import { printData } from "../render/output";
import { storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

const MAX_JSON_LOG_BYTES = 64 * 1048576;

function openLog(file: string): number {
  try {
    // Never through a link: a log a copied store links to ~/.ssh would print it.
    return openRegularFile(file, false);
  } catch (error) {
    throw new UserError(`cannot read ${file} (${errnoReason(error)})`, EXIT.failure);
  }
}

export default defineExpragCommand({
  name: "log",
  description: "The run's captured output (stdout and stderr as shown); --follow streams a live run's until it ends",
  args: {
    run: { type: "positional", description: "The run" },
    tail: { type: "string", description: "Only the last N lines", valueHint: "N" },
    follow: { type: "boolean", alias: "f", description: "Keep writing the output as the run writes it, until the run ends (like tail -f)" },
    json: {
      type: "boolean",
      description: `The output as JSON text: {run_id, log, text, lines, truncated} (at most ${MAX_JSON_LOG_BYTES / 1048576} MiB, its end)`,
    },
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag log latest
  exprag log latest --tail 20 --follow
  exprag log latest --tail 50 --json | jq -r .text

At a terminal the output shows as it was shown (colours, progress bars); other terminal controls
in it are written as visible escapes (\\e]0;...). Piped, it is the exact bytes.

--follow ends by itself when the run ends (its run_end is written, or the exprag that ran it is
gone); a run whose liveness cannot be told (it ran on another host) is followed until Ctrl-C.
A point of a Slurm sweep still in the queue is waited for, then followed once its task starts.`,
  async run(context) {
    const { args, store } = context;
    const tail = args.tail === undefined ? null : parseCount(args.tail, "--tail");
    if (args.json) {
      if (args.follow) throw usageError("--json and --follow exclude each other", "--json answers with the output as it is now");
      return printData(`${JSON.stringify(answerLog({ run: args.run, tail, maxBytes: MAX_JSON_LOG_BYTES }, context).data)}\n`);
    }
    const { runId } = resolveRunRef(store, args.run);
    const file = runLogPath(store, runId);
    let told = false;
    const ended = () => {
      const read = readRunSummary(store, runId, () => {}, false);
      if (read.ended) return true;
      const status = read.summary?.status ?? "crashed";
      if (status === "unknown" && !told) {
        told = true;
        log.info(`cannot tell when run ${shortId(runId)} ends (it ran elsewhere, or its exprag left no identity); following until interrupted`);
      }
      return !isUnended(status) && status !== "unknown";
    };
    if (!existsSync(file)) {
      // A point still in Slurm's queue: its log appears once its task's run starts.
      const waiting = args.follow && followableQueued(store, runId);
      if (waiting) log.info(`run ${shortId(runId)} waits in Slurm's queue; following its output once it starts`);
      if (!waiting || !(await waitForFile(file, ended))) throw noLogError(store, runId);
    }
    const fd = openLog(file);
    try {
      const from = tail === null ? 0 : lastLinesOffset(fd, tail);
      const shown = isTerminal(1) ? new TerminalText() : null;
      const write = (bytes: Buffer) => writeFully(1, shown ? Buffer.from(shown.push(bytes)) : bytes);
      if (!args.follow) {
        forEachChunk(fd, write, from);
        if (shown) writeFully(1, Buffer.from(shown.push(new Uint8Array(), true)));
        return;
      }
      await followFile(fd, from, write, { ended, path: file });
    } finally {
      closeSync(fd);
    }
  },
});
