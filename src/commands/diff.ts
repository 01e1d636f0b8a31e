import { answerDiff } from "../core/answers/diff";
import { projectSnapshotLimits } from "../core/config";
import { usageError } from "../core/errors";
import { gitCommand, openRepositoryOrFail } from "../core/git/repository";
import { currentTree, runCode } from "../core/git/restore";
import { notCodePathspecs } from "../core/git/status";
import { isTerminal } from "../core/os/posix";
import { shortId } from "../core/record/refs";
import { wantsColor } from "../render/colors";
import { log } from "../render/log";
import { printData } from "../render/output";
import { storeArgs } from "./_args";
import { defineExpragCommand } from "./_define";

export default defineExpragCommand({
  name: "diff",
  description: "Show how the code of two runs differs, or a run and the work tree",
  args: {
    run: { type: "positional", description: "The run to compare (id, unique prefix, short id, latest, latest~N)" },
    other: { type: "positional", description: "A second run; without it, the current work tree (untracked files included)", required: false },
    stat: { type: "boolean", description: "Only a summary of changed files" },
    quiet: { type: "boolean", description: "Print nothing; exit 1 when the code differs, 0 when it is the same (as git diff --quiet)" },
    "exit-code": { type: "boolean", description: "Exit 1 when the code differs, 0 when it is the same" },
    json: {
      type: "boolean",
      description: "The two sides and the changed files (status, old path, lines added and deleted) as JSON; with the patch unless --stat",
    },
    ...storeArgs,
  },
  afterDoubleDash: "rest",
  examples: `USAGE WITH PATHS

  exprag diff <run> [<other>] [--stat] [--quiet] -- PATHS...   # only these paths, as seen from here

EXAMPLES

  exprag diff latest~1 latest            # what changed between the two latest runs
  exprag diff 3f9c2a1b --stat            # a run against the work tree as it is now
  exprag diff latest~1 latest -- src/    # only under src/
  exprag diff 3f9c2a1b --quiet && echo "same code"
  exprag diff latest~1 latest --stat --json | jq -r '.files[].path'

At a terminal, stderr first names the two sides (run and commit, or the work tree).`,
  run(context) {
    const { args, rest, store, cwd, env, warn } = context;
    // git reads "" as no pathspec at all, and fails on it.
    if (rest.some((path) => path === "")) throw usageError("a path after -- is empty", "give files or folders: exprag diff <run> -- src/model.py");
    if (args.json) {
      if (args.quiet) throw usageError("--json and --quiet exclude each other", "--json --exit-code answers and exits 1 when the code differs");
      const { data: diff } = answerDiff({ run: args.run, other: args.other ?? null, paths: rest, stat: args.stat === true }, context);
      printData(`${JSON.stringify(diff)}\n`);
      return args["exit-code"] && diff.files.length > 0 ? 1 : 0;
    }
    const { git, repo } = openRepositoryOrFail(cwd, env);
    const from = runCode(git, store, args.run, warn);
    let to: string;
    let toSide: string;
    if (args.other) {
      const other = runCode(git, store, args.other, warn);
      to = other.commit;
      toSide = `run ${shortId(other.runId)} (commit ${other.commit.slice(0, 12)})`;
    } else {
      const current = currentTree(git, repo, store, projectSnapshotLimits(context.config));
      for (const { path, reason } of current.skipped) warn(`left out of the comparison: ${path} (${reason})`);
      to = current.tree;
      toSide = "the work tree";
    }
    if (isTerminal(2) && !args.quiet) log.info(`diff of run ${shortId(from.runId)} (commit ${from.commit.slice(0, 12)}) against ${toSide}`);
    // From the current directory, so paths after -- read as the user wrote them.
    // git's colours follow exprag's colour policy, not git's own.
    const color = `--color=${wantsColor(1) ? "always" : "never"}`;
    const answer = args.quiet ? ["--quiet"] : args["exit-code"] ? ["--exit-code"] : [];
    const code = gitCommand(
      git.at(cwd),
      ["diff", color, ...answer, ...(args.stat ? ["--stat"] : []), from.commit, to, "--", ...rest, ...notCodePathspecs(context.config?.notCode)],
      "data",
      answer.length ? [1] : [],
    );
    return answer.length ? code : 0;
  },
});
