import { defineCommand } from "citty";
import { usageError } from "../core/errors";
import { currentTree, gitCommand, openRepositoryOrFail, runCode } from "../core/git/restore";
import { DEFAULT_SNAPSHOT_MAX_BYTES } from "../core/git/capture";
import { resolveStoreDir } from "../core/store";
import { log } from "../log";
import { parseCommandLine, storeArgs } from "./_shared";
import type { ExpragCommand } from "./types";

const args = {
  run: { type: "positional", description: "The run to compare (id, unique prefix, short id, latest, latest~N)" },
  other: { type: "positional", description: "A second run; without it, the current work tree (untracked files included)", required: false },
  stat: { type: "boolean", description: "Only a summary of changed files" },
  ...storeArgs,
} as const;

export const definition = defineCommand({
  meta: { name: "diff", description: "Show how the code of two runs differs, or a run and the work tree" },
  args,
});

const examples = `EXAMPLES

  exprag diff latest~1 latest            # what changed between the two latest runs
  exprag diff 3f9c2a1b --stat            # a run against the work tree as it is now
  exprag diff latest~1 latest -- src/    # only under src/`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("diff", argv, args);
  if (parsed.help) return -1;
  const [first, second, ...extra] = parsed.positionals;
  if (!first || extra.length) throw usageError("diff takes one or two runs", "usage: exprag diff <run> [<run>] [--stat] [-- PATHS]");
  const cwd = process.cwd();
  const store = resolveStoreDir(parsed.options.dir as string | undefined, process.env, cwd);
  const { git, repo } = openRepositoryOrFail(cwd, process.env);
  const warn = (message: string) => log.warn(message);
  const from = runCode(git, store, first, warn).commit;
  let to: string;
  if (second) {
    to = runCode(git, store, second, warn).commit;
  } else {
    const current = currentTree(git, repo, store, DEFAULT_SNAPSHOT_MAX_BYTES);
    for (const { path, reason } of current.skipped) log.warn(`left out of the comparison: ${path} (${reason})`);
    to = current.tree;
  }
  // From the current directory, so paths after -- read as the user wrote them.
  gitCommand(git.at(cwd), ["diff", ...(parsed.options.stat ? ["--stat"] : []), from, to, "--", ...parsed.rest], "data");
  return 0;
}

export default { definition, main, examples } satisfies ExpragCommand;
