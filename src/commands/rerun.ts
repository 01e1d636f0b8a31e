import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { EXIT, UserError, usageError } from "../core/errors";
import { type PreparedCode, prepareCode } from "../core/git/capture";
import { openRepositoryOrFail } from "../core/git/repository";
import { rerunWorktreeDir } from "../core/git/worktrees";
import { selfCommand } from "../core/os/platform";
import { shortId } from "../core/record/refs";
import { handoffVariables, takeHandoff } from "../core/run/handoff";
import { assignMeta, buildMetadata, type Metadata } from "../core/run/metadata";
import { executeSweep } from "../core/sweep/execute";
import { codeDifference, commandWithSettings, readRerunSource, rerunParams } from "../core/sweep/rerun";
import { closeRunTree, linkLeftOut, openRunTree } from "../core/sweep/worktree";
import { log } from "../log";
import { checkTags, RUN_REPEATABLE, runDefaults, runOptionArgs, runOptionWords } from "./_args";
import { defineExpragCommand } from "./_define";

/** The original run's metadata, then --meta-file's keys, then each --meta. */
function rerunMetadata(original: Metadata, metaFile: string | undefined, assignments: string[]): Metadata {
  const metadata: Metadata = structuredClone(original);
  for (const [key, value] of Object.entries(metaFile ? buildMetadata(metaFile, []) : {})) {
    Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
  }
  for (const assignment of assignments) assignMeta(metadata, assignment);
  return metadata;
}

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
    set: {
      type: "string",
      description: "Give parameter KEY the value VALUE, in the form the command has it (--lr 0.03, lr=0.03); repeatable",
      valueHint: "KEY=VALUE",
    },
    ...runOptionArgs,
  },
  repeatable: [...RUN_REPEATABLE, "set"],
  examples: `EXAMPLES

  exprag rerun latest                      # the same command at the same code, in a new worktree
  exprag compare 3f9c2a1b latest           # does it reproduce?
  exprag rerun 3f9c2a1b --set lr=0.01      # one parameter changed: --lr 0.03 becomes --lr 0.01
  exprag rerun 3f9c2a1b --here             # in place, when the work tree holds that code

The new run goes to the original's store, with rerun_of naming the original, its name and
metadata (--meta adds to it), from the same folder relative to the top of the code. Its
worktree stays for a look afterwards; exprag gc removes it once its run is deleted.
exprag exits with the command's exit code, as exprag run does.`,
  async run({ args, store, config, cwd, env: given, warn }) {
    if (args.here && args.worktree !== undefined) throw usageError("--here and --worktree exclude each other", "--here runs in this work tree");
    checkTags(args.tag);
    const { env } = takeHandoff(given);
    const { git, repo } = openRepositoryOrFail(cwd, env);
    const source = readRerunSource(git, store, args.run, warn);
    const short = shortId(source.runId);
    if (source.folderNote) warn(`run ${short}: ${source.folderNote}`);
    const command = commandWithSettings(source.argv, args.set);
    const metadata = rerunMetadata(source.metadata, args["meta-file"], args.meta);
    const defaults = runDefaults(args, config);
    const runId = Bun.randomUUIDv7();

    const top = args.here ? repo.top : args.worktree === undefined ? rerunWorktreeDir(store, runId) : resolve(cwd, args.worktree);
    if (args.here) {
      const difference = codeDifference(git, repo, store, source.commit, {
        maxUntrackedBytes: defaults.snapshotMaxBytes,
        exclude: defaults.snapshotExclude,
        notCode: defaults.notCode,
      });
      if (difference !== null) {
        throw new UserError(
          `the work tree does not hold the code of run ${short}: ${difference}`,
          EXIT.failure,
          `rerun it in a new worktree: exprag rerun ${args.run}`,
        );
      }
    }
    const tree = args.here ? null : openRunTree(git, top, source.commit, "rerun");
    let outcome: Awaited<ReturnType<typeof executeSweep>>;
    try {
      let code: PreparedCode | undefined;
      if (!args.here) {
        const prepared = prepareCode({
          cwd: top,
          env,
          runId,
          experimentName: source.experimentName,
          store,
          snapshot: defaults.snapshot,
          maxUntrackedBytes: defaults.snapshotMaxBytes,
          includeSecrets: args["snapshot-secrets"] === true,
          exclude: defaults.snapshotExclude,
          notCode: defaults.notCode,
        });
        // A snapshot's commit is on no branch of the user's: the new run keeps it on its own run/<id> too.
        code = source.snapshot && prepared.git.commit === source.commit ? { ...prepared, snapshotCommit: source.commit } : prepared;
        // After the code is read, so the links are never part of it.
        if (tree) linkLeftOut(git, repo, tree, store, source.skipped);
      }
      const folder = join(top, source.folder);
      if (!existsSync(folder)) {
        mkdirSync(folder, { recursive: true });
        warn(`run ${short} ran in ${source.folder}, which its code does not hold; created it`);
      }
      log.info(`rerun of run ${short} (commit ${source.commit.slice(0, 12)}) as run ${shortId(runId)}, in ${folder}`);
      const words = [
        `--dir=${store}`,
        ...(args.name === undefined && source.experimentName.trim() ? [`--name=${source.experimentName}`] : []),
        ...runOptionWords(args),
        "--",
        ...command,
      ];
      outcome = await executeSweep({
        runs: [{ index: 0, point: {}, command, runId }],
        jobs: 1,
        devices: null,
        failFast: false,
        cwd: folder,
        env,
        selfCommand: selfCommand(),
        runArguments: () => words,
        runVariables: () => handoffVariables({ code, runId, rerunOf: source.runId, metadata, params: rerunParams(source.params, args.set) }),
        output: { kind: "inherit", stdoutFd: 1 },
        observer: { started() {}, output() {}, ended() {} },
        warn,
      });
    } finally {
      if (tree) closeRunTree(git, tree, false);
    }
    log.info(`does it reproduce? exprag compare ${short} ${shortId(runId)}`);
    return outcome.results[0]?.exitCode ?? EXIT.internal;
  },
});
