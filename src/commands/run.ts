import { usageError } from "../core/errors";
import { DEFAULT_SNAPSHOT_MAX_BYTES } from "../core/git/capture";
import { Git } from "../core/git/repository";
import { isCompiledMain, platform } from "../core/os/platform";
import { TAG } from "../core/record/annotations";
import { experimentNameFor } from "../core/run/experiment-name";
import { takeHandoff } from "../core/run/handoff";
import { buildMetadata } from "../core/run/metadata";
import { paramsFromArgv } from "../core/run/params";
import { runCommand } from "../core/run/runner";
import { parseSize } from "../core/sizes";
import { isExplicitStore } from "../core/store";
import { log } from "../log";
import { storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

/** EXPRAG_HEARTBEAT_S: how often a live run's file is touched (default 30 s; tests use 1). */
function heartbeatSeconds(env: NodeJS.ProcessEnv): number {
  const text = env.EXPRAG_HEARTBEAT_S;
  if (text === undefined) return 30;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86400) throw usageError(`EXPRAG_HEARTBEAT_S must be a number of seconds above 0, got "${text}"`);
  return seconds;
}

export default defineExpragCommand({
  name: "run",
  description: "Run a command and record it as a run: its origin, its EXPRAG:: records, its output",
  args: {
    name: { type: "string", alias: "n", description: "Experiment name (default: from the command, e.g. train.py)", valueHint: "TEXT" },
    meta: { type: "string", description: "Metadata; repeatable; dotted keys nest (hparams.lr=0.03); VALUE is JSON when it parses", valueHint: "KEY=VALUE" },
    "meta-file": { type: "string", description: "Metadata from a file holding a JSON object", valueHint: "FILE" },
    ...storeArgs,
    echo: { type: "boolean", description: "Also show the EXPRAG:: lines on the terminal" },
    params: {
      type: "boolean",
      default: true,
      description: "Record the script's parameters from its command line (--lr 0.03, --batch-size 32, lr=0.03) as params",
      negativeDescription: "Do not read parameters from the command line",
    },
    log: { type: "boolean", default: true, description: "Keep the output in runs/<run_id>.log", negativeDescription: "Do not keep the output log" },
    snapshot: {
      type: "boolean",
      default: true,
      description: "Commit a dirty work tree to the branch run/<run_id>",
      negativeDescription: "Record commit, branch and dirty flag only",
    },
    tag: { type: "string", description: "Start the run with this tag (repeatable)", valueHint: "TAG" },
    quiet: { type: "boolean", alias: "q", description: "Do not print exprag's end-of-run line" },
    pty: {
      type: "boolean",
      description: "Give the command a terminal of its own (tqdm, rich and colours look as without exprag); its stdout and stderr then share one stream",
    },
    verbose: { type: "boolean", description: "Show each git command the run makes, and how long it took" },
    "snapshot-secrets": {
      type: "boolean",
      description: "Also snapshot untracked files that look like secrets (.env*, *.pem, *.key, id_rsa*, .netrc, credentials*...)",
    },
    "snapshot-max-size": {
      type: "string",
      description: "Leave untracked files larger than this out of the snapshot (default 10M; units K, M, G)",
      valueHint: "SIZE",
    },
    command: { type: "positional", description: "The command to run and its arguments (after --); everything from it on is the command's", required: false },
  },
  repeatable: ["meta", "tag"],
  stopAtFirstPositional: true,
  examples: `EXAMPLES

  exprag run --name baseline -- python train.py --lr 0.03
  exprag run --meta hparams.lr=0.03 --meta seed=1 -- ./train.sh
  exprag run -- Rscript fit.R --help      # --help reaches fit.R

A line "EXPRAG::<json>" on the command's stdout is recorded (and hidden; --echo shows it).
The command also gets EXPRAG_RUN_ID, EXPRAG_DIR and EXPRAG_FD (a descriptor for JSON lines).
exprag exits with the command's exit code (128+N when signal N ended it; 127 not found,
126 not executable, 125 exprag's own failure, 2 bad usage).`,
  async run({ args, rest: command, store, cwd, env: given, warn }) {
    if (command.length === 0) throw usageError("no command to run", "usage: exprag run [OPTIONS] -- COMMAND [ARGS...]");
    for (const tag of args.tag)
      if (!TAG.test(tag)) throw usageError(`--tag '${tag}' is not a tag: one word, no spaces or control characters, at most 100 characters`);
    const { env, code, rerunOf } = takeHandoff(given);
    if (args.pty && platform.name === "win32")
      throw usageError("--pty needs a POSIX system (Linux, macOS): Windows has no pseudo-terminals exprag can give a command");
    if (args.verbose) Git.observer = (gitArgs, ms) => log.info(`git ${gitArgs.join(" ")} (${ms.toFixed(1)} ms)`);
    const name = args.name ?? experimentNameFor(command);
    if (!name.trim()) throw usageError("--name must not be empty");
    const outcome = await runCommand({
      command,
      name,
      metadata: buildMetadata(args["meta-file"], args.meta),
      params: args.params ? paramsFromArgv(command) : null,
      store,
      storeExplicit: isExplicitStore(args.dir, env),
      echo: args.echo === true,
      keepLog: args.log,
      snapshot: args.snapshot,
      snapshotSecrets: args["snapshot-secrets"] === true,
      snapshotMaxBytes: args["snapshot-max-size"] === undefined ? DEFAULT_SNAPSHOT_MAX_BYTES : parseSize(args["snapshot-max-size"], "--snapshot-max-size"),
      cwd,
      env,
      selfCommand: isCompiledMain(Bun.main) ? [process.execPath] : [process.execPath, Bun.main],
      code,
      rerunOf,
      tags: args.tag,
      heartbeatSeconds: heartbeatSeconds(env),
      pty: args.pty === true,
      warn,
    });
    const { track, meta, note, parse_error } = outcome.counts;
    const kept = [`${track} track`, meta && `${meta} meta`, note && `${note} note`, parse_error && `${parse_error} parse_error`].filter(Boolean);
    if (!args.quiet) log.info(`run ${outcome.runId} ${outcome.status} (exit ${outcome.exitCode}): ${kept.join(", ")} records in ${outcome.runFile}`);
    return outcome.exitCode;
  },
});
