import { defineCommand } from "citty";
import { usageError } from "../core/errors";
import { experimentNameFor } from "../core/run/experiment-name";
import { buildMetadata } from "../core/run/metadata";
import { DEFAULT_SNAPSHOT_MAX_BYTES } from "../core/git/capture";
import { runCommand } from "../core/run/runner";
import { parseSize } from "../core/sizes";
import { resolveStoreDir } from "../core/store";
import { log } from "../log";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  name: { type: "string", alias: "n", description: "Experiment name (default: from the command, e.g. train.py)", valueHint: "TEXT" },
  meta: { type: "string", description: "Metadata; repeatable; dotted keys nest (hparams.lr=0.03); VALUE is JSON when it parses", valueHint: "KEY=VALUE" },
  "meta-file": { type: "string", description: "Metadata from a file holding a JSON object", valueHint: "FILE" },
  ...storeArgs,
  echo: { type: "boolean", description: "Also show the EXPRAG:: lines on the terminal" },
  log: { type: "boolean", default: true, description: "Keep the output in runs/<run_id>.log", negativeDescription: "Do not keep the output log" },
  snapshot: {
    type: "boolean",
    default: true,
    description: "Commit a dirty work tree to the branch run/<run_id>",
    negativeDescription: "Record commit, branch and dirty flag only",
  },
  "snapshot-max-size": { type: "string", description: "Leave untracked files larger than this out of the snapshot (default 10M; units K, M, G)", valueHint: "SIZE" },
  command: { type: "positional", description: "The command to run and its arguments (after --); everything from it on is the command's" },
} as const;

export const definition = defineCommand({
  meta: { name: "run", description: "Run a command and record it as a run: its origin, its EXPRAG:: records, its output" },
  args,
});

const examples = `EXAMPLES

  exprag run --name baseline -- python train.py --lr 0.03
  exprag run --meta hparams.lr=0.03 --meta seed=1 -- ./train.sh
  exprag run -- Rscript fit.R --help      # --help reaches fit.R

A line "EXPRAG::<json>" on the command's stdout is recorded (and hidden; --echo shows it).
The command also gets EXPRAG_RUN_ID, EXPRAG_DIR and EXPRAG_FD (a descriptor for JSON lines).
exprag exits with the command's exit code (128+N when signal N ended it; 127 not found,
126 not executable, 125 exprag's own failure, 2 bad usage).`;

/** A compiled exprag runs its code from Bun's embedded file system. */
function isCompiled(): boolean {
  return Bun.main.startsWith("/$bunfs/") || /^[A-Za-z]:[\\/]~BUN[\\/]/.test(Bun.main);
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("run", argv, args, { stopAtFirstPositional: true, repeatable: ["meta"] });
  if (parsed.help) return -1;
  const command = parsed.rest;
  if (command.length === 0) throw usageError("no command to run", "usage: exprag run [OPTIONS] -- COMMAND [ARGS...]");
  const { options } = parsed;
  const name = (options.name as string | undefined) ?? experimentNameFor(command);
  if (!name.trim()) throw usageError("--name must not be empty");
  const metadata = buildMetadata(options["meta-file"] as string | undefined, (options.meta as string[] | undefined) ?? []);
  const cwd = process.cwd();
  const outcome = await runCommand({
    command,
    name,
    metadata,
    store: resolveStoreDir(options.dir as string | undefined, process.env, cwd),
    echo: options.echo === true,
    keepLog: options.log !== false,
    snapshot: options.snapshot !== false,
    snapshotMaxBytes: options["snapshot-max-size"] === undefined ? DEFAULT_SNAPSHOT_MAX_BYTES : parseSize(options["snapshot-max-size"] as string, "--snapshot-max-size"),
    cwd,
    env: process.env,
    selfCommand: isCompiled() ? [process.execPath] : [process.execPath, Bun.main],
    warn: (message) => log.warn(message),
  });
  const { track, meta, note, parse_error } = outcome.counts;
  const kept = [`${track} track`, meta && `${meta} meta`, note && `${note} note`, parse_error && `${parse_error} parse_error`].filter(Boolean);
  log.info(`run ${outcome.runId} ${outcome.status} (exit ${outcome.exitCode}): ${kept.join(", ")} records in ${outcome.runFile}`);
  return outcome.exitCode;
}

export default { definition, main, examples } satisfies ExpragCommand;
