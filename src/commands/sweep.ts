import { existsSync, mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { usageError } from "../core/errors";
import type { PreparedCode } from "../core/git/capture";
import { Git, openRepository } from "../core/git/repository";
import { rerunWorktreeDir } from "../core/git/worktrees";
import { platform, selfCommand } from "../core/os/platform";
import { isTerminal } from "../core/os/posix";
import { summarizeRun } from "../core/query/summary";
import { experimentNameFor } from "../core/run/experiment-name";
import { handoffVariables, takeHandoff } from "../core/run/handoff";
import { buildMetadata } from "../core/run/metadata";
import { signalNumber } from "../core/run/signals";
import { resolveExecutable } from "../core/run/spawn";
import { ensureStore, isExplicitStore, runFilePath } from "../core/store";
import { SweepCode } from "../core/sweep/code";
import { type ActiveRun, executeSweep, type SweepObserver, type SweepRun } from "../core/sweep/execute";
import { newSweepId, parseDevices, planSweep, slotCount } from "../core/sweep/plan";
import { describePoint, parseSweepSpace, sweepPoints } from "../core/sweep/points";
import { type SweepSummary, summarizeSweep, sweepTag } from "../core/sweep/summary";
import { closeRunTree, linkLeftOut, openRunTree, type RunTree } from "../core/sweep/worktree";
import { log } from "../log";
import { cellText } from "../render/format";
import { printData } from "../render/output";
import { startProgress } from "../render/progress";
import { shellLine } from "../render/shell";
import { PrefixedOutput, StatusBoard } from "../render/sweep-progress";
import { type Column, outputMode, renderRows } from "../render/table";
import { checkTags, jsonArg, parseCount, RUN_REPEATABLE, runDefaults, runOptionArgs, runOptionWords } from "./_args";
import { defineExpragCommand } from "./_define";

const MAX_SEED = 2 ** 32 - 1;

/**
 * The worktree the sweep's runs start in, or null where they run in the work tree itself: outside
 * git, without a snapshot (the dirty files are the code), when the code is unknown, on Windows
 * (no links without privileges).
 */
function sweepTree(
  code: PreparedCode,
  options: { cwd: string; env: NodeJS.ProcessEnv; store: string; storeExplicit: boolean; firstRun: SweepRun; snapshot: boolean },
  warn: (message: string) => void,
): (RunTree & { git: Git; folder: string }) | null {
  const commit = code.git.commit;
  if (!options.snapshot || commit === null || platform.name === "win32") return null;
  const opened = openRepository(options.cwd, options.env);
  if (typeof opened === "string") return null;
  const { git, repo } = opened;
  options.firstRun.runId ??= Bun.randomUUIDv7();
  try {
    // The worktree goes inside the store, which must be one (and exist) first.
    ensureStore(options.store, options.storeExplicit);
    const tree = openRunTree(git, rerunWorktreeDir(options.store, options.firstRun.runId), commit, "sweep");
    linkLeftOut(git, repo, tree, options.store, code.git.skipped);
    const folder = join(tree.top, relative(repo.top, options.cwd));
    mkdirSync(folder, { recursive: true });
    return { ...tree, git, folder };
  } catch (error) {
    warn(`cannot make the sweep's worktree (${error instanceof Error ? error.message : String(error)}): running in the work tree`);
    return null;
  }
}

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
    ...jsonArg,
    ...runOptionArgs,
    command: {
      type: "positional",
      description: "The command (after --), with {KEY} where a point's value goes; {{ and }} are literal braces",
      required: false,
    },
  },
  repeatable: [...RUN_REPEATABLE, "grid", "range"],
  stopAtFirstPositional: true,
  examples: `EXAMPLES

  exprag sweep --grid lr=0.1,0.03,0.01 --grid bs=32,64 -- python train.py --lr {lr} --batch-size {bs}
  exprag sweep -j 2 --gpus 0,1 --grid seed=1,2,3,4 -- python train.py --seed {seed}
  exprag sweep --random 8 --range lr=1e-4:1e-1:log --seed 7 -- python train.py --lr {lr}
  exprag ls --tag sweep:<id>               # then: compare, best ... --tag sweep:<id>

Every run is an ordinary exprag run of the same code, read once at the start: the runs start in
a worktree of it (ignored files such as data/ and .venv/ linked in), so an edit made meanwhile
never reaches them; --here runs them in the work tree instead. Each is tagged
sweep:<id>, with its point in params. With -j 1 their output passes through; with several at
once a terminal shows one status line per run, and a pipe gets each line after its run's short
id. The summary (run, point, status, exit, the last value of the first tracked metric) goes to
stdout; --json gives it as JSON and sends the runs' output to stderr. Exit 0 when every run
ended ok, 1 when one did not, 128+N when signal N stopped the sweep.`,
  async run({ args, rest: command, store, config, cwd, env: given, warn }) {
    if (command.length === 0) throw usageError("no command to sweep", "usage: exprag sweep --grid KEY=V1,V2 [OPTIONS] -- COMMAND [ARGS...]");
    checkTags(args.tag);
    const space = parseSweepSpace(args.grid, args.range);
    const seed = args.random === undefined ? undefined : parseSeed(args.seed);
    if (args.seed !== undefined && args.random === undefined) throw usageError("--seed needs --random N");
    const points = sweepPoints(space, seed === undefined ? undefined : { count: parseCount(args.random!, "--random"), seed });
    const { runs, unusedKeys } = planSweep(command, points);
    const devices = args.gpus === undefined ? null : parseDevices(args.gpus);
    const jobs = slotCount(args.jobs === undefined ? undefined : parseCount(args.jobs, "--jobs"), devices);
    if (args["dry-run"]) {
      if (args.json) return printData(`${JSON.stringify(runs.map(({ point, command }) => ({ point, command })))}\n`);
      return printData(runs.map((run) => `${shellLine(run.command)}\n`).join(""));
    }
    for (const key of unusedKeys) warn(`the command names no {${key}}: its value reaches each run's params only`);
    const { env } = takeHandoff(given);
    for (const program of new Set(runs.map((run) => run.command[0]!))) resolveExecutable(program, env.PATH ?? "", cwd);
    const metadata = buildMetadata(args["meta-file"], args.meta);
    const defaults = runDefaults(args, config);
    const sweepId = newSweepId();
    const tag = sweepTag(sweepId);
    log.info(`sweep ${sweepId}: ${runs.length} run${runs.length === 1 ? "" : "s"}${seed === undefined || args.seed !== undefined ? "" : ` (--seed ${seed})`}`);

    if (args.verbose) Git.observer = (gitArgs, ms) => log.info(`git ${gitArgs.join(" ")} (${ms.toFixed(1)} ms)`);
    const progress = startProgress();
    const code = new SweepCode(
      {
        cwd,
        env,
        runId: `sweep-${sweepId}`,
        label: `sweep ${sweepId}`,
        experimentName: defaults.name ?? experimentNameFor(command),
        store,
        snapshot: defaults.snapshot,
        maxUntrackedBytes: defaults.snapshotMaxBytes,
        includeSecrets: args["snapshot-secrets"] === true,
        exclude: defaults.snapshotExclude,
        notCode: defaults.notCode,
        progress: progress.phase("files in the snapshot"),
      },
      warn,
    );
    progress.end();
    Git.observer = null;
    const tree = args.here
      ? null
      : sweepTree(code.first, { cwd, env, store, storeExplicit: isExplicitStore(args.dir, env), firstRun: runs[0]!, snapshot: defaults.snapshot }, warn);
    // In the worktree, the code is the one read at the start, whatever happens to the work tree; its
    // record names the worktree as the top it ran in.
    const codeFor = (number: number): PreparedCode => (tree ? { ...code.first, git: { ...code.first.git, top: tree.top } } : code.forRun(number));

    const dataFd = args.json ? 2 : 1;
    const board = jobs > 1 && isTerminal(dataFd) && isTerminal(2) ? new StatusBoard((active) => lastMetrics(store, active)) : null;
    const observer: SweepObserver = board ?? (jobs > 1 ? new PrefixedOutput({ stdout: dataFd, stderr: 2 }) : { started() {}, output() {}, ended() {} });
    const optionWords = [`--tag=${tag}`, ...runOptionWords(args), ...(args.dir === undefined && !tree ? [] : [`--dir=${store}`])];
    let outcome: Awaited<ReturnType<typeof executeSweep>>;
    try {
      outcome = await executeSweep({
        runs,
        jobs,
        devices,
        failFast: args["fail-fast"] === true,
        cwd: tree?.folder ?? cwd,
        env,
        selfCommand: selfCommand(),
        runArguments: (run) => [...optionWords, "--", ...run.command],
        runVariables: (run, runId) => handoffVariables({ code: codeFor(run.index + 1), runId, params: run.point, metadata }),
        output: jobs > 1 ? { kind: "observe" } : { kind: "inherit", stdoutFd: dataFd },
        observer,
        warn,
      });
    } finally {
      board?.close();
      if (tree) {
        const left = closeRunTree(tree.git, tree, true);
        if (left.length)
          warn(
            `the runs left files in the sweep's worktree, kept at ${tree.top} until exprag gc finds its first run gone: ${left.slice(0, 5).join(", ")}${left.length > 5 ? ", ..." : ""}`,
          );
      }
    }

    const summary = summarizeSweep(store, sweepId, outcome.results, warn);
    const mode = outputMode(args.json === true);
    printData(mode === "json" ? `${JSON.stringify(summary)}\n` : renderRows(summary.runs, summaryColumns(summary), mode));
    const byStatus = new Map<string, number>();
    for (const run of summary.runs) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
    const counts = [...byStatus].map(([status, count]) => `${count} ${status}`).join(", ");
    const why = outcome.stoppedBy ? `stopped by ${outcome.stoppedBy}: ` : "";
    log.info(`sweep ${sweepId}: ${why}${counts}; exprag ls --tag ${tag}`);
    if (outcome.stoppedBy) return 128 + signalNumber(outcome.stoppedBy);
    return summary.runs.every((run) => run.status === "ok") ? 0 : 1;
  },
});
