import { readSync } from "node:fs";
import { answerRemove } from "../core/answers/remove";
import { EXIT, UserError, usageError } from "../core/errors";
import { writeFully } from "../core/os/io";
import { isTerminal } from "../core/os/posix";
import { parseSelection } from "../core/query/selection-flags";
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
    const confirmed = (runIds: string[]) => {
      if (args.yes) return true;
      if (!isTerminal(0) || !isTerminal(2)) throw usageError(`not deleting ${runIds.length} run(s) without --yes`, "exprag rm asks only at a terminal");
      const count = `${runIds.length} run${runIds.length === 1 ? "" : "s"}`;
      return confirm(`delete ${count} (${runIds.map((id) => shortId(id)).join(" ")}) and their snapshots? [y/N] `);
    };
    const { data, total } = answerRemove(
      {
        selection: parseSelection(args, args.runs),
        force: args.force === true,
        confirm: confirmed,
        onDeleted: (runId) => {
          if (!args.json) printData(`${runId}\n`);
        },
      },
      { store, cwd, env, warn },
    );
    if (args.json) printData(`${JSON.stringify(data)}\n`);
    if (data.failed.length) throw new UserError(`deleted ${data.deleted.length} of ${total} runs; see the warnings above`, EXIT.failure);
    log.info(`deleted ${total} run${total === 1 ? "" : "s"}`);
  },
});
