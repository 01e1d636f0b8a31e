import { DEFAULT_SNAPSHOT_MAX_BYTES } from "../core/git/capture";
import { gitCommand, openRepositoryOrFail } from "../core/git/repository";
import { currentTree, runCode } from "../core/git/restore";
import { wantsColor } from "../render/colors";
import { storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "diff",
  description: "Show how the code of two runs differs, or a run and the work tree",
  args: {
    run: { type: "positional", description: "The run to compare (id, unique prefix, short id, latest, latest~N)" },
    other: { type: "positional", description: "A second run; without it, the current work tree (untracked files included)", required: false },
    stat: { type: "boolean", description: "Only a summary of changed files" },
    ...storeArgs,
  },
  afterDoubleDash: "rest",
  examples: `EXAMPLES

  exprag diff latest~1 latest            # what changed between the two latest runs
  exprag diff 3f9c2a1b --stat            # a run against the work tree as it is now
  exprag diff latest~1 latest -- src/    # only under src/`,
  run({ args, rest, store, cwd, env, warn }) {
    const { git, repo } = openRepositoryOrFail(cwd, env);
    const from = runCode(git, store, args.run, warn).commit;
    let to: string;
    if (args.other) {
      to = runCode(git, store, args.other, warn).commit;
    } else {
      const current = currentTree(git, repo, store, DEFAULT_SNAPSHOT_MAX_BYTES);
      for (const { path, reason } of current.skipped) warn(`left out of the comparison: ${path} (${reason})`);
      to = current.tree;
    }
    // From the current directory, so paths after -- read as the user wrote them.
    // git's colours follow exprag's colour policy, not git's own.
    const color = `--color=${wantsColor(1) ? "always" : "never"}`;
    gitCommand(git.at(cwd), ["diff", color, ...(args.stat ? ["--stat"] : []), from, to, "--", ...rest], "data");
  },
});
