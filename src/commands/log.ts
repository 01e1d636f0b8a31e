import { existsSync } from "node:fs";
import { EXIT, UserError } from "../core/errors";
import { writeFully } from "../core/os/io";
import { forEachChunk, lastLines } from "../core/record/reader";
import { resolveRunRef, shortId } from "../core/record/refs";
import { runLogPath } from "../core/store";
import { parseCount, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

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
    if (tail === null) forEachChunk(file, (bytes) => writeFully(1, bytes));
    else writeFully(1, lastLines(file, tail));
  },
});
