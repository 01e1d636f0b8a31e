import { answerFiles } from "../core/answers/files";
import { shortId } from "../core/record/refs";
import { visibleAtTerminal } from "../render/escape";
import { log } from "../render/log";
import { printData } from "../render/output";
import { jsonArg, storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "files",
  description: "List the files of a run's code, or only those its snapshot changed (--changed)",
  args: {
    run: { type: "positional", description: "The run (id, unique prefix, short id, latest, latest~N)" },
    paths: { type: "positional", description: "Only files under these paths (from the current directory)", required: false },
    changed: { type: "boolean", description: "Only the files the run's snapshot changed against the HEAD it started from, with git's status letter" },
    ...jsonArg,
    ...storeArgs,
  },
  variadic: "paths",
  examples: `EXAMPLES

  exprag files latest                  # every file of the latest run's code, from the top
  exprag files latest --changed        # what its uncommitted changes were: M train.py, A notes.txt
  exprag files 3f9c2a1b src/ --json    # {run_id, commit, files: [{path, kind, size}]}

Paths are from the top of the repository. --changed lists nothing for a run that was clean; its
--json has base (the HEAD the run started from) and, per file, status, old_path, added, deleted.
Read one with exprag cat.`,
  run(context) {
    const { args } = context;
    const answer = answerFiles({ run: args.run, paths: args.paths, changed: args.changed === true }, context);
    if (args.json) return printData(`${JSON.stringify(answer.data)}\n`);
    if (answer.changed) {
      const changed = answer.data;
      if (changed.files.length === 0 && changed.base === changed.commit)
        log.info(`run ${shortId(changed.run_id)} was clean: its code is commit ${changed.commit.slice(0, 12)}`);
      return printData(changed.files.map((file) => `${file.status}\t${visibleAtTerminal(file.path)}\n`).join(""));
    }
    printData(answer.data.files.map((file) => `${visibleAtTerminal(file.path)}\n`).join(""));
  },
});
