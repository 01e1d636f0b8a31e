import { closeSync, existsSync } from "node:fs";
import { EXIT, UserError } from "../core/errors";
import { writeFully } from "../core/os/io";
import { forEachChunk, lastLinesOffset, openRegularFile } from "../core/record/reader";
import { resolveRunRef, shortId } from "../core/record/refs";
import { runLogPath } from "../core/store";
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
  description: "The run's captured output (stdout and stderr as shown)",
  args: {
    run: { type: "positional", description: "The run" },
    tail: { type: "string", description: "Only the last N lines", valueHint: "N" },
    ...storeArgs,
  },
  run({ args, store }) {
    const tail = args.tail === undefined ? null : parseCount(args.tail, "--tail");
    const { runId } = resolveRunRef(store, args.run);
    const file = runLogPath(store, runId);
    if (!existsSync(file)) throw new UserError(`run ${shortId(runId)} kept no output log (it ran with --no-log)`, EXIT.failure);
    const fd = openLog(file);
    try {
      forEachChunk(fd, (bytes) => writeFully(1, bytes), tail === null ? 0 : lastLinesOffset(fd, tail));
    } finally {
      closeSync(fd);
    }
  },
});
