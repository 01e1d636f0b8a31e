import { closeSync, existsSync } from "node:fs";
import { EXIT, UserError } from "../core/errors";
import { writeFully } from "../core/os/io";
import { followFile } from "../core/query/follow";
import { summarizeRun } from "../core/query/summary";
import { forEachChunk, lastLinesOffset, openRegularFile } from "../core/record/reader";
import { resolveRunRef, shortId } from "../core/record/refs";
import { runLogPath } from "../core/store";
import { log } from "../log";
import { parseCount, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

function openLog(file: string): number {
  try {
    return openRegularFile(file);
  } catch (error) {
    throw new UserError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`, EXIT.failure);
  }
}

export default defineExpragCommand({
  name: "log",
  description: "The run's captured output (stdout and stderr as shown); --follow streams a live run's until it ends",
  args: {
    run: { type: "positional", description: "The run" },
    tail: { type: "string", description: "Only the last N lines", valueHint: "N" },
    follow: { type: "boolean", alias: "f", description: "Keep writing the output as the run writes it, until the run ends (like tail -f)" },
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag log latest
  exprag log latest --tail 20 --follow

--follow ends by itself when the run ends (its run_end is written, or the exprag that ran it is
gone); a run whose liveness cannot be told (it ran on another host) is followed until Ctrl-C.`,
  async run({ args, store }) {
    const tail = args.tail === undefined ? null : parseCount(args.tail, "--tail");
    const { runId } = resolveRunRef(store, args.run);
    const file = runLogPath(store, runId);
    if (!existsSync(file)) throw new UserError(`run ${shortId(runId)} kept no output log (it ran with --no-log)`, EXIT.failure);
    const fd = openLog(file);
    try {
      const from = tail === null ? 0 : lastLinesOffset(fd, tail);
      const write = (bytes: Buffer) => writeFully(1, bytes);
      if (!args.follow) return forEachChunk(fd, write, from);
      let told = false;
      const ended = () => {
        const status = summarizeRun(store, runId, () => {}, false)?.status ?? "crashed";
        if (status === "unknown" && !told) {
          told = true;
          log.info(`cannot tell when run ${shortId(runId)} ends (it ran elsewhere, or its exprag left no identity); following until interrupted`);
        }
        return status !== "running" && status !== "unknown";
      };
      await followFile(fd, from, write, { ended });
    } finally {
      closeSync(fd);
    }
  },
});
