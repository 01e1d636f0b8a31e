import { usageError } from "../core/errors";
import { isTerminal } from "../core/os/posix";
import { parseCount } from "../core/query/selection-flags";
import { checkTags } from "../core/record/annotations";
import { shortId } from "../core/record/refs";
import { configOptions } from "../core/slurm/sweep";
import { runRerun } from "../core/sweep/run-rerun";
import { log } from "../render/log";
import { printData } from "../render/output";
import { RUN_REPEATABLE, runOptionArgs, runOptionWords } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "rerun",
  description: "Run a recorded run's command again, at its exact code, as a new run that says which run it repeats",
  args: {
    run: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N" },
    worktree: {
      type: "string",
      description: "Restore the run's code into a new git worktree at DIR (default: one under the store, which gc removes with its run)",
      valueHint: "DIR",
    },
    here: { type: "boolean", description: "Run in this work tree, which must hold the run's code already" },
    "restore-outputs": { type: "boolean", description: "First bring back the outputs the run kept (run --keep-outputs), e.g. a checkpoint to resume from" },
    seeds: {
      type: "string",
      description:
        "Make N replicates, one after another, tagged replicates:<run>: each with another value of the run's seed param (seed, random_seed, or seed-params in the config), else the same command N times",
      valueHint: "N",
    },
    yes: { type: "boolean", alias: "y", description: "Run a command recorded on another host or pulled without asking (required when not at a terminal)" },
    set: {
      type: "string",
      description: "Give parameter KEY the value VALUE, in the form the command has it (--lr 0.03, lr=0.03); repeatable",
      valueHint: "KEY=VALUE",
    },
    slurm: { type: "boolean", description: "Submit the new run to Slurm (one task) instead of running it here; returns once accepted" },
    sbatch: { type: "string", description: "An sbatch option for --slurm, one word (after the [slurm] config's); repeatable", valueHint: "OPTION" },
    ...runOptionArgs,
  },
  repeatable: [...RUN_REPEATABLE, "set", "sbatch"],
  examples: `EXAMPLES

  exprag rerun latest                      # the same command at the same code, in a new worktree
  exprag compare 3f9c2a1b latest           # does it reproduce?
  exprag rerun 3f9c2a1b --set lr=0.01      # one parameter changed: --lr 0.03 becomes --lr 0.01
  exprag rerun 3f9c2a1b --here             # in place, when the work tree holds that code
  exprag rerun 3f9c2a1b --seeds 3          # 3 replicates (seed 1 becomes 2, 3, 4): exprag verdict uses them

The new run goes to the original's store, with rerun_of naming the original, its name and
metadata (--meta adds to it), from the same folder relative to the top of the code. Its
worktree stays for a look afterwards; exprag gc removes it once its run is deleted.
exprag exits with the command's exit code, as exprag run does.`,
  async run({ args, store, config, cwd, env, warn }) {
    if (args.here && args.worktree !== undefined) throw usageError("--here and --worktree exclude each other", "--here runs in this work tree");
    checkTags(args.tag, "--tag");
    const request = {
      run: args.run,
      worktree: args.worktree ?? null,
      here: args.here === true,
      set: args.set,
      metaFile: args["meta-file"],
      meta: args.meta,
      runFlags: args,
      includeSecrets: args["snapshot-secrets"] === true,
      // A command recorded elsewhere runs only when the user can see it, or says --yes.
      confirmed: args.yes === true || (isTerminal(0) && isTerminal(2)),
      runOptions: runOptionWords(args),
      restoreOutputs: args["restore-outputs"] === true,
      seeds: args.seeds === undefined ? null : parseCount(args.seeds, "--seeds"),
      ...(args.slurm && { slurm: { options: [...configOptions(config?.slurm), ...(args.sbatch ?? [])] } }),
    };
    if (args.sbatch?.length && !args.slurm) throw usageError("--sbatch needs --slurm");
    if (args.slurm && args.here) throw usageError("--slurm and --here exclude each other", "a Slurm rerun runs in a worktree the nodes read");
    const { of, runId, runIds, replicatesTag, exitCode, jobId } = await runRerun(
      request,
      { store, cwd, env, config, warn },
      {
        starting: (rerun) =>
          log.info(
            `rerun of run ${shortId(rerun.of)} (commit ${rerun.commit.slice(0, 12)}) as run${rerun.runIds.length > 1 ? "s" : ""} ${rerun.runIds.map(shortId).join(", ")}, in ${rerun.folder}`,
          ),
      },
    );
    if (jobId) {
      log.info(`run${runIds.length > 1 ? "s" : ""} ${runIds.map(shortId).join(", ")} submitted as Slurm job ${jobId}`);
      printData(runIds.map((id) => `${id} ${jobId}\n`).join(""));
    }
    if (replicatesTag) log.info(`${runIds.length} replicates tagged ${replicatesTag}: is a change real? exprag verdict RUN ${shortId(of)}`);
    else log.info(`does it reproduce? exprag compare ${shortId(of)} ${shortId(runId)}`);
    return exitCode;
  },
});
