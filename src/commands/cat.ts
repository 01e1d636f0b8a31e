import { answerCat, readRequestedFile } from "../core/answers/run-file";
import { EXIT, UserError } from "../core/errors";
import { writeFully } from "../core/os/io";
import { isTerminal } from "../core/os/posix";
import { shortId } from "../core/record/refs";
import { TerminalText, visible } from "../render/escape";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

/** What cat reads at most; a larger file is git's to stream (the error says how). */
const MAX_CAT_BYTES = 256 * 1048576;

export default defineExpragCommand({
  name: "cat",
  description: "Print a file as it was in a run's code, without restoring anything",
  args: {
    run: { type: "positional", description: "The run (id, unique prefix, short id, latest, latest~N)" },
    path: { type: "positional", description: "The file, from the current directory as in the work tree (a folder lists its entries)" },
    ...jsonArg,
    ...storeArgs,
  },
  examples: `EXAMPLES

  exprag cat latest train.py                 # train.py as the latest run had it
  exprag cat 3f9c2a1b configs/ > /dev/null   # a folder lists its entries, folders with a /
  exprag cat latest~1 model.py | diff - model.py
  exprag cat latest train.py --json          # {run_id, commit, path, kind, size, executable, binary, text}

The file is read from the run's commit (its snapshot, for a run with uncommitted changes); the
work tree is never looked at. A run without such a file is an error (exit 1). A binary file is
written only to a pipe or a file; at a terminal, other control characters of a text file are
written as visible escapes.`,
  run(context) {
    const { args } = context;
    const request = { run: args.run, path: args.path, from: "here", maxBytes: MAX_CAT_BYTES } as const;
    if (args.json) return printData(`${JSON.stringify(answerCat(request, context).data)}\n`);
    const file = readRequestedFile(request, context);
    const terminal = isTerminal(1);
    const where = `in run ${shortId(file.run_id)} (commit ${file.commit.slice(0, 12)})`;
    switch (file.kind) {
      case "file":
        if (!terminal) return writeFully(1, file.content);
        if (file.binary) {
          throw new UserError(
            `${file.path} ${where} is a binary file (${file.size} bytes)`,
            EXIT.failure,
            `write it to a file: exprag cat ${args.run} ${args.path} > FILE`,
          );
        }
        return printData(new TerminalText().push(file.content, true));
      case "symlink":
        return printData(`${terminal ? visible(file.target) : file.target}\n`);
      case "directory":
        return printData(file.entries.map(({ name, kind }) => `${terminal ? visible(name) : name}${kind === "directory" ? "/" : ""}\n`).join(""));
      case "submodule":
        throw new UserError(
          `${file.path} ${where} is a submodule at commit ${file.submodule_commit.slice(0, 12)}: its files are in its own repository`,
          EXIT.failure,
        );
    }
  },
});
