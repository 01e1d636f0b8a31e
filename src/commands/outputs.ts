import { answerOutputs } from "../core/answers/outputs";
import { lacksNote, loadablePaths } from "../core/query/outputs";
import { visibleAtTerminal } from "../render/escape";
import { formatLocalTime } from "../render/format";
import { log } from "../render/log";
import { printData } from "../render/output";
import { outputMode, renderRows } from "../render/table";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "outputs",
  description: "The files a run created or changed, and whether each is still the one it wrote or which later run overwrote it",
  args: {
    run: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N" },
    globs: { type: "positional", description: "Only outputs whose path matches one of these globs ('*.pt', 'checkpoints/**')", required: false },
    path: { type: "boolean", description: "Print only the path to load each output from (the file while it is the run's, else its kept copy)" },
    ...jsonArg,
    ...storeArgs,
  },
  variadic: "globs",
  examples: `EXAMPLES

  exprag outputs latest
  exprag outputs 3f9c2a1b '*.pt' --path       # where the checkpoint of that run is
  exprag outputs latest --json | jq '.files[] | select(.state != "current")'

A run records the files under the work tree created or changed while it ran (.git, the store,
virtualenvs, node_modules and the kernel's file systems aside), with size, time and hash (sha256,
or above 64 MiB a fingerprint of size and three 1 MiB parts). state: current (still the run's),
overwritten (by the later run named), changed (by something else), missing. Its search stops
after 250,000 folder entries; incomplete then says so. run --keep-outputs keeps copies.`,
  run(context) {
    const { args } = context;
    const { data: answer } = answerOutputs({ run: args.run, globs: args.globs }, context);
    // Said on stderr whatever the output: a script loading a checkpoint hears it too.
    if (answer.more > 0) log.info(`${answer.more} more file${answer.more === 1 ? "" : "s"} the run left, past the ones it listed`);
    const lacks = lacksNote(answer);
    if (lacks) log.warn(lacks);
    if (args.path) return printData(`${loadablePaths(answer).map(visibleAtTerminal).join("\n")}\n`);
    const mode = outputMode(args.json === true);
    if (mode === "json") return printData(`${JSON.stringify(answer)}\n`);
    printData(
      renderRows(
        answer.files,
        [
          { header: "path", value: (f) => f.path, flex: true },
          { header: "size", value: (f) => String(f.size), align: "right" },
          { header: "modified", value: (f) => modified(f.mtime_ms) },
          { header: "state", value: (f) => (f.overwritten_by ? `overwritten by ${f.overwritten_by}` : f.state) },
          { header: "kept", value: (f) => (f.kept_copy ? "yes" : "") },
        ],
        mode,
      ),
    );
  },
});

/** A file's modification time as a local time; "?" for one no date can hold (a store may say anything). */
function modified(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "?" : formatLocalTime(date.toISOString());
}
