import { usageError } from "../core/errors";
import { Git } from "../core/git/repository";
import { platform, selfCommand } from "../core/os/platform";
import { runDefaults } from "../core/run/defaults";
import { experimentNameFor } from "../core/run/experiment-name";
import { takeHandoff } from "../core/run/handoff";
import { buildMetadata } from "../core/run/metadata";
import { paramsFromArgv, withParams } from "../core/run/params";
import { withPythonHook } from "../core/run/python-hook";
import { runCommand } from "../core/run/runner";
import { isExplicitStore } from "../core/store";
import { log } from "../render/log";
import { startProgress } from "../render/progress";
import { RUN_REPEATABLE, runOptionArgs } from "./_args";
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
    ...runOptionArgs,
    command: { type: "positional", description: "The command to run and its arguments (after --); everything from it on is the command's", required: false },
  },
  repeatable: RUN_REPEATABLE,
  stopAtFirstPositional: true,
  examples: `EXAMPLES

  exprag run --name baseline -- python train.py --lr 0.03
  exprag run --meta hparams.lr=0.03 --meta seed=1 -- ./train.sh
  exprag run -- Rscript fit.R --help      # --help reaches fit.R
  exprag run --keep-outputs --outputs 'checkpoints/**' -- python train.py

A line "EXPRAG::<json>" on the command's stdout is recorded (and hidden; --echo shows it).
The command also gets EXPRAG_RUN_ID, EXPRAG_DIR and EXPRAG_FD (a descriptor for JSON lines).
A Python command's interpreter and packages go into run_start; the GPUs (nvidia-smi), samples of
the process tree every --system-every seconds (system records) and the files the command created
or changed (exprag outputs RUN) are recorded too.
exprag exits with the command's exit code (128+N when signal N ended it; 127 not found,
126 not executable, 125 exprag's own failure, 2 bad usage).

Stopping early: --stop-when EXPR (repeatable) is checked as each record arrives; a tracked path
is its latest value, max(metrics.acc) and the other aggregates are over the records so far,
diverged is true once a number went NaN or infinite, elapsed is the seconds since the start.
--time-limit ends the command after that long. The command (its process group) then gets
SIGTERM, and SIGKILL after --stop-grace; the run ends "stopped" (exit 123) or "timeout"
(exit 124), and run_end.stopped_by names the rule and the record (file:line) it held at.

  exprag run --stop-when 'metrics.loss > 5' --stop-when diverged -- python train.py
  exprag run --time-limit 2h --stop-when 'elapsed > 10m and max(metrics.acc) < 0.5' -- ./train.sh`,
  async run({ args, rest: command, store, config, env: given, warn, cwd }) {
    if (command.length === 0) throw usageError("no command to run", "usage: exprag run [OPTIONS] -- COMMAND [ARGS...]");
    // Checking tags and notes, and finding --from's run, is loaded only by a run that asks for them.
    const annotations = args.tag.length > 0 || args.why !== undefined ? await import("../core/record/annotations") : null;
    annotations?.checkTags(args.tag, "--tag");
    const { env, code, rerunOf: handedRerunOf, runId: prepared, params, metadata } = takeHandoff(given);
    // A requeued Slurm task's attempt is a run of its own, repeating the attempt before it (loaded only then).
    const requeue = prepared && env.SLURM_RESTART_COUNT ? await import("../core/slurm/requeue") : null;
    const requeued = prepared && requeue ? requeue.requeuedAttempt(store, prepared, env) : null;
    if (requeued) requeue?.endRequeuedAttempt(store, requeued.repeats, requeued.runId, env);
    const runId = requeued?.runId ?? prepared;
    const rerunOf = requeued?.repeats ?? handedRerunOf;
    const defaults = runDefaults(args, config);
    if (defaults.pty && platform.name === "win32")
      throw usageError("--pty needs a POSIX system (Linux, macOS): Windows has no pseudo-terminals exprag can give a command");
    if (args.verbose) {
      log.info(defaults.config ? `project config: ${defaults.config.source}` : "no project config");
      Git.observer = (gitArgs, ms) => log.info(`git ${gitArgs.join(" ")} (${ms.toFixed(1)} ms)`);
    }
    const why = args.why === undefined ? undefined : annotations?.checkNote(args.why, "--why");
    const from = args.from === undefined ? (handedRerunOf ?? rerunOf) : (await import("../core/loop/lineage")).resolveFrom(store, args.from);
    const name = defaults.name ?? experimentNameFor(command);
    if (!name.trim())
      throw defaults.name === undefined
        ? usageError("no command to run: its program's name is empty", "usage: exprag run [OPTIONS] -- COMMAND [ARGS...]")
        : usageError("--name must not be empty");
    const hooked = await withPythonHook(command, env, defaults.params, warn);
    const progress = startProgress();
    const outcome = await runCommand({
      command,
      name,
      metadata: metadata ?? buildMetadata(args["meta-file"], args.meta),
      params: withParams(defaults.params ? paramsFromArgv(command) : null, params),
      store,
      storeExplicit: isExplicitStore(args.dir, env),
      echo: args.echo === true,
      keepLog: defaults.keepLog,
      snapshot: defaults.snapshot,
      snapshotSecrets: args["snapshot-secrets"] === true,
      snapshotMaxBytes: defaults.snapshotMaxBytes,
      snapshotExclude: defaults.snapshotExclude,
      notCode: defaults.notCode,
      snapshotProgress: { step: progress.phase("files in the snapshot"), end: () => progress.end() },
      cwd,
      env: hooked.env,
      paramsHook: hooked.paramsHook,
      selfCommand: selfCommand(),
      runId,
      code,
      rerunOf,
      why,
      from,
      tags: args.tag,
      heartbeatSeconds: heartbeatSeconds(env),
      pty: defaults.pty,
      stop: defaults.stop,
      context: { environment: defaults.environment, systemEverySeconds: defaults.systemEverySeconds, outputs: defaults.outputs },
      warn,
    });
    const { track, meta, note, parse_error } = outcome.counts;
    const kept = [`${track} track`, meta && `${meta} meta`, note && `${note} note`, parse_error && `${parse_error} parse_error`].filter(Boolean);
    if (!args.quiet) log.info(`run ${outcome.runId} ${outcome.status} (exit ${outcome.exitCode}): ${kept.join(", ")} records in ${outcome.runFile}`);
    return outcome.exitCode;
  },
});
