import { defineCommand } from "citty";
import { resolve } from "node:path";
import { EXIT, UserError, usageError } from "../core/errors";
import { gitCommand, hasUncommittedChanges, openRepositoryOrFail, runCode } from "../core/git/restore";
import { shortId } from "../core/record/refs";
import { resolveStoreDir } from "../core/store";
import { log } from "../log";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  run: { type: "positional", description: "The run: id, unique prefix, short id, latest or latest~N" },
  worktree: { type: "string", description: "Put the run's code in a new git worktree at DIR; the current checkout stays as it is", valueHint: "DIR" },
  branch: { type: "string", description: "Create branch NAME at the run's commit instead of a detached HEAD", valueHint: "NAME" },
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "checkout", description: "Restore the exact code of a run, in a new worktree or in place" },
  args,
});

const examples = `EXAMPLES

  exprag checkout latest --worktree ../best-run     # safe: a new worktree
  exprag checkout 3f9c2a1b --branch retry-best       # in place, on a new branch

In place, the work tree must have no uncommitted changes to tracked files.`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("checkout", argv, args);
  if (parsed.help) return -1;
  const [reference, ...extra] = parsed.positionals;
  if (!reference || extra.length) throw usageError("checkout takes one run", "usage: exprag checkout <run> [--worktree DIR] [--branch NAME]");
  const { options } = parsed;
  const cwd = process.cwd();
  const store = resolveStoreDir(options.dir as string | undefined, process.env, cwd);
  const { git } = openRepositoryOrFail(cwd, process.env);
  const { runId, commit } = runCode(git, store, reference, (message) => log.warn(message));
  const branch = options.branch as string | undefined;
  const worktree = options.worktree as string | undefined;
  if (worktree) {
    gitCommand(git, ["worktree", "add", ...(branch ? ["-b", branch] : ["--detach"]), resolve(cwd, worktree), commit]);
    log.info(`run ${shortId(runId)}: its code is in ${resolve(cwd, worktree)} (commit ${commit.slice(0, 12)})`);
    return 0;
  }
  if (hasUncommittedChanges(git)) {
    throw new UserError(
      "the work tree has uncommitted changes; checkout would mix them with the run's code",
      EXIT.failure,
      `commit or stash them (git stash -u), or use: exprag checkout ${reference} --worktree DIR`,
    );
  }
  gitCommand(git, branch ? ["checkout", "-b", branch, commit] : ["checkout", "--detach", commit]);
  log.info(`run ${shortId(runId)}: checked out commit ${commit.slice(0, 12)}${branch ? ` on branch ${branch}` : " (detached HEAD)"}`);
  return 0;
}

export default { definition, main, examples } satisfies ExpragCommand;
