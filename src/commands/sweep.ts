import { existsSync } from "node:fs";
import { usageError } from "../core/errors";
import { resolveFrom } from "../core/loop/lineage";
import { isTerminal } from "../core/os/posix";
import { parseCount } from "../core/query/selection-flags";
import { summarizeRun } from "../core/query/summary";
import { checkTags } from "../core/record/annotations";
import { runDefaults } from "../core/run/defaults";
import { buildMetadata } from "../core/run/metadata";
import { signalNumber } from "../core/run/signals";
import { submitSlurmSweep } from "../core/slurm/sweep";
import { waitForSlurmSweep } from "../core/slurm/sweep-status";
import { runFilePath } from "../core/store";
import type { ActiveRun, SweepObserver } from "../core/sweep/execute";
import { parseDevices, planSweep, slotCount } from "../core/sweep/plan";
import { describePoint, parseSweepSpace, sweepPoints } from "../core/sweep/points";
import { checkSweep, runSweep } from "../core/sweep/run-sweep";
import type { SweepSummary } from "../core/sweep/summary";
import { cellText } from "../render/format";
import { log } from "../render/log";
import { printData } from "../render/output";
import { startProgress } from "../render/progress";
import { shellLine } from "../render/shell";
import { PrefixedOutput, StatusBoard } from "../render/sweep-progress";
import { type Column, outputMode, renderRows } from "../render/table";
import { jsonArg, RUN_REPEATABLE, runOptionArgs, runOptionWords } from "./_args";
import { defineExpragCommand } from "./_define";

const MAX_SEED = 2 ** 32 - 1;

function parseSeed(text: string | undefined): number {
  if (text === undefined) return Math.floor(Math.random() * MAX_SEED);
  const seed = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seed) || seed > MAX_SEED) throw usageError(`--seed must be a whole number from 0 to ${MAX_SEED}, got "${text}"`);
  return seed;
}

/** A running run's last metrics, for its status line. */
function lastMetrics(store: string, active: ActiveRun): string | null {
  const file = runFilePath(store, active.runId);
  if (!existsSync(file)) return null;
  const metrics = Object.entries(summarizeRun(store, active.runId, () => {})?.metrics ?? {});
  return metrics.length
    ? metrics
        .slice(0, 3)
        .map(([path, value]) => `${path}=${cellText(value)}`)
        .join(" ")
    : null;
}

function summaryColumns(summary: SweepSummary): Column<SweepSummary["runs"][number]>[] {
  return [
    { header: "run", value: (r) => r.short_id ?? "" },
    { header: "point", value: (r) => describePoint(r.point) },
    { header: "status", value: (r) => r.status },
    { header: "exit", value: (r) => (r.exit_code === null ? "" : String(r.exit_code)), align: "right" },
    { header: summary.metric ?? "metric", value: (r) => cellText(r.metric), align: "right" },
  ];
}

export default defineExpragCommand({
  name: "sweep",
  description: "Run a command once per point of a grid or of random draws: ordinary runs of one code snapshot, tagged sweep:<id>",
  args: {
    grid: { type: "string", description: "Values of KEY, comma-separated; repeatable: every combination", valueHint: "KEY=V1,V2,..." },
    random: { type: "string", description: "Draw N points from the --range flags", valueHint: "N" },
    range: { type: "string", description: "Draw KEY evenly from LO to HI (in log space with :log); repeatable", valueHint: "KEY=LO:HI[:log]" },
    seed: { type: "string", description: "Seed of the random draws (default: a new one, printed)", valueHint: "S" },
    jobs: { type: "string", alias: "j", description: "Runs at once (default 1, or one per --gpus device)", valueHint: "N" },
    gpus: { type: "string", description: "One device per slot: a run gets CUDA_VISIBLE_DEVICES and HIP_VISIBLE_DEVICES of its slot", valueHint: "0,1,..." },
    "fail-fast": { type: "boolean", description: "Start no new run after one fails" },
    "dry-run": { type: "boolean", description: "Print the commands it would run, one per line, and run nothing" },
    here: {
      type: "boolean",
      description: "Run in this work tree, not in a worktree of the code read at the start (an edit made meanwhile then reaches later runs, which record it)",
    },
    slurm: { type: "boolean", description: "Submit the sweep to Slurm as one array job (one task per point), returning once it is accepted" },
    sbatch: { type: "string", description: "An sbatch option for --slurm, one word (after the [slurm] config's); repeatable", valueHint: "OPTION" },
    wait: { type: "boolean", description: "With --slurm: wait until every task ended, showing progress, then print the summary" },
    ...jsonArg,
    ...runOptionArgs,
    command: {
      type: "positional",
      description: "The command (after --), with {KEY} where a point's value goes; {{ and }} are literal braces",
      required: false,
    },
  },
  repeatable: [...RUN_REPEATABLE, "grid", "range", "sbatch"],
  stopAtFirstPositional: true,
  examples: `EXAMPLES

  exprag sweep --grid lr=0.1,0.03,0.01 --grid bs=32,64 -- python train.py --lr {lr} --batch-size {bs}
  exprag sweep -j 2 --gpus 0,1 --grid seed=1,2,3,4 -- python train.py --seed {seed}
  exprag sweep --random 8 --range lr=1e-4:1e-1:log --seed 7 -- python train.py --lr {lr}
  exprag ls --tag sweep:<id>               # then: compare, best ... --tag sweep:<id>
  exprag sweep --slurm --sbatch --time=30 --grid lr=0.1,0.01 -- python train.py --lr {lr}

Every run is an ordinary exprag run of the same code, read once at the start: the runs start in
a worktree of it (ignored files such as data/ and .venv/ linked in), so an edit made meanwhile
never reaches them; --here runs them in the work tree instead. Each is tagged
sweep:<id>, with its point in params. --from RUN|kept sets every run's from (kept: the run kept
when the sweep starts); without it their from stays empty, as a sweep starts from the work tree. With -j 1 their output passes through; with several at
once a terminal shows one status line per run, and a pipe gets each line after its run's short
id. The summary (run, point, status, exit, the last value of the first tracked metric) goes to
stdout; --json gives it as JSON and sends the runs' output to stderr. Exit 0 when every run
ended ok, 1 when one did not, 128+N when signal N stopped the sweep.

With --slurm the code is read once (one snapshot) into a worktree in the store, which the nodes
must share, and one array job is submitted with sbatch: its task N runs point N with exprag run.
It prints the sweep id and job id once Slurm accepted the job (--wait: waits and prints the
summary); the job script is kept in <store>/slurm/ and --dry-run prints it. Options come from
the project config's [slurm] table (partition, time, gpus, extra) and then --sbatch.`,
  async run({ args, rest: command, store, config, cwd, env: given, warn }) {
    if (command.length === 0) throw usageError("no command to sweep", "usage: exprag sweep --grid KEY=V1,V2 [OPTIONS] -- COMMAND [ARGS...]");
    checkTags(args.tag, "--tag");
    const space = parseSweepSpace(args.grid, args.range);
    const seed = args.random === undefined ? undefined : parseSeed(args.seed);
    if (args.seed !== undefined && args.random === undefined) throw usageError("--seed needs --random N");
    const points = sweepPoints(space, seed === undefined ? undefined : { count: parseCount(args.random!, "--random"), seed });
    const { runs, unusedKeys } = planSweep(command, points);
    // A dry run's points can be drawn again only with the seed that drew them.
    if (args["dry-run"] && seed !== undefined && args.seed === undefined) log.info(`drew the points with --seed ${seed}`);
    const devices = args.gpus === undefined ? null : parseDevices(args.gpus);
    const jobs = slotCount(args.jobs === undefined ? undefined : parseCount(args.jobs, "--jobs"), devices);
    // Resolved once, before any run: every run builds on the same one, whatever is kept meanwhile.
    const resolvedFrom = () => (args.from === undefined ? undefined : resolveFrom(store, args.from));
    if (args.slurm) {
      if (args.gpus !== undefined || args.jobs !== undefined || args.here)
        throw usageError("--slurm takes no --gpus, --jobs or --here: Slurm places the tasks", "give GPUs with --sbatch --gpus-per-task=N or [slurm] gpus");
      if (!args["dry-run"]) checkSweep(runs, unusedKeys, { cwd, env: given, warn });
      const submitted = await submitSlurmSweep(
        {
          command,
          runs,
          dir: args.dir,
          metadata: buildMetadata(args["meta-file"], args.meta),
          defaults: runDefaults(args, config),
          includeSecrets: args["snapshot-secrets"] === true,
          runOptions: runOptionWords({ ...args, from: resolvedFrom() }),
          sbatch: args.sbatch ?? [],
          slurm: config?.slurm,
          dryRun: args["dry-run"] === true,
        },
        { store, cwd, env: given, config, warn },
      );
      const { script_text: scriptText, ...answer } = submitted;
      if (args["dry-run"]) return printData(args.json ? `${JSON.stringify(submitted)}\n` : scriptText);
      log.info(
        `sweep ${answer.sweep_id}: ${runs.length} point${runs.length === 1 ? "" : "s"} submitted as Slurm job ${answer.job_id} (script ${answer.script}); exprag ls --tag ${answer.tag}`,
      );
      if (!args.wait) return printData(args.json ? `${JSON.stringify(answer)}\n` : `${answer.sweep_id} ${answer.job_id}\n`);
      const summary = await waitForSlurmSweep(store, answer, given, warn, (ended, total) => log.info(`sweep ${answer.sweep_id}: ${ended}/${total} ended`));
      const mode = outputMode(args.json === true);
      printData(mode === "json" ? `${JSON.stringify(summary)}\n` : renderRows(summary.runs, summaryColumns(summary), mode));
      return summary.runs.every((run) => run.status === "ok") ? 0 : 1;
    }
    if (args.sbatch?.length || args.wait) throw usageError(`--${args.wait ? "wait" : "sbatch"} needs --slurm`);
    if (args["dry-run"]) {
      if (args.json) return printData(`${JSON.stringify(runs.map(({ point, command }) => ({ point, command })))}\n`);
      return printData(runs.map((run) => `${shellLine(run.command)}\n`).join(""));
    }
    const from = resolvedFrom();
    checkSweep(runs, unusedKeys, { cwd, env: given, warn });
    const request = {
      command,
      runs,
      jobs,
      devices,
      failFast: args["fail-fast"] === true,
      here: args.here === true,
      dir: args.dir,
      metadata: buildMetadata(args["meta-file"], args.meta),
      defaults: runDefaults(args, config),
      includeSecrets: args["snapshot-secrets"] === true,
      runOptions: runOptionWords({ ...args, from }),
      stdoutFd: args.json ? 2 : 1,
    } as const;
    const dataFd = request.stdoutFd;
    const board = jobs > 1 && isTerminal(dataFd) && isTerminal(2) ? new StatusBoard((active) => lastMetrics(store, active)) : null;
    const observer: SweepObserver = board ?? (jobs > 1 ? new PrefixedOutput({ stdout: dataFd, stderr: 2 }) : { started() {}, output() {}, ended() {} });
    const {
      sweepId,
      tag,
      data: summary,
      stoppedBy,
    } = await runSweep(
      request,
      { store, cwd, env: given, config, warn },
      {
        started: (id) =>
          log.info(`sweep ${id}: ${runs.length} run${runs.length === 1 ? "" : "s"}${seed === undefined || args.seed !== undefined ? "" : ` (--seed ${seed})`}`),
        git: args.verbose ? (gitArgs, ms) => log.info(`git ${gitArgs.join(" ")} (${ms.toFixed(1)} ms)`) : undefined,
        progress: startProgress(),
        observer,
        runsEnded: () => board?.close(),
      },
    );

    const mode = outputMode(args.json === true);
    printData(mode === "json" ? `${JSON.stringify(summary)}\n` : renderRows(summary.runs, summaryColumns(summary), mode));
    const byStatus = new Map<string, number>();
    for (const run of summary.runs) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
    const counts = [...byStatus].map(([status, count]) => `${count} ${status}`).join(", ");
    const why = stoppedBy ? `stopped by ${stoppedBy}: ` : "";
    log.info(`sweep ${sweepId}: ${why}${counts}; exprag ls --tag ${tag}`);
    if (stoppedBy) return 128 + signalNumber(stoppedBy);
    return summary.runs.every((run) => run.status === "ok") ? 0 : 1;
  },
});
