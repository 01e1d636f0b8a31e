import { answerPull } from "../core/answers/remote";
import { isTerminal } from "../core/os/posix";
import { parseSelection } from "../core/query/selection-flags";
import { parseSize } from "../core/sizes";
import { log } from "../render/log";
import { printData } from "../render/output";
import { showGitProgress } from "../render/progress";
import { jsonArg, SELECTION_REPEATABLE, selectionArgs, storeArgs, WHERE_HELP } from "./_args";
import { defineExpragCommand } from "./_define";

/** Pulled files larger than this are not written unless --max-size says otherwise. */
const DEFAULT_MAX_BYTES = 1024 ** 3;

export default defineExpragCommand({
  name: "pull",
  description: "Bring runs from a git remote into this store (refs/exprag/runs/*), with their code",
  args: {
    remote: { type: "positional", description: "A remote, URL or path (default: the branch's upstream remote, else origin)", required: false },
    runs: { type: "positional", description: "Only these runs (or a selection: --name, --where...); default: every run", required: false },
    "max-size": { type: "string", description: "Do not write pulled files larger than SIZE (default 1G; units K, M, G)", valueHint: "SIZE" },
    ...selectionArgs,
    ...jsonArg,
    ...storeArgs,
  },
  repeatable: SELECTION_REPEATABLE,
  variadic: "runs",
  examples: `EXAMPLES

  exprag pull                          # every run the upstream remote (else origin) has
  exprag pull origin --name baseline
  exprag ls --columns id,name,host,status

Writes the runs this store lacks and the ones that grew on the remote (the local file is the start
of the remote's); a local file that differs otherwise is kept, with a warning. Annotations merge:
every line of both. Pulled runs are ordinary runs: ls, best, show, diff and checkout work on them.
The selection is judged on the remote's version of each run. The remote's project notes (note
--project) are merged in whatever the selection: every note this store lacks is added.

${WHERE_HELP}`,
  async run({ args, store, cwd, env, warn }) {
    const maxBytes = args["max-size"] === undefined ? DEFAULT_MAX_BYTES : parseSize(args["max-size"], "--max-size");
    const atTerminal = isTerminal(2);
    const { data: outcome, remote } = await answerPull(
      {
        remote: args.remote,
        dir: args.dir,
        selection: parseSelection(args, args.runs),
        maxBytes,
        transfer: { progress: atTerminal && !args.json ? showGitProgress : null, prompt: atTerminal && isTerminal(0) },
      },
      { store, cwd, env, warn },
    );
    if (args.json) printData(`${JSON.stringify(outcome)}\n`);
    else for (const run of [...outcome.pulled, ...outcome.grown]) printData(`${run.run_id}\n`);
    const { pulled, grown, kept, up_to_date, not_selected } = outcome;
    const parts = [
      ...(grown.length ? [`${grown.length} grown`] : []),
      `${up_to_date} up to date`,
      ...(kept.length ? [`${kept.length} kept as they are here`] : []),
      ...(not_selected ? [`${not_selected} not selected`] : []),
      ...(outcome.project_notes?.added ? [`${outcome.project_notes.added} project note${outcome.project_notes.added === 1 ? "" : "s"} added`] : []),
    ];
    if (pulled.length === 0 && grown.length === 0) log.info(`nothing to pull from ${remote}: ${parts.join(", ")}`);
    else log.info(`pulled ${pulled.length} new run${pulled.length === 1 ? "" : "s"} from ${remote}; ${parts.join(", ")}`);
  },
});
