/**
 * A run's code identity is its commit's tree: a dirty snapshot later committed as it was has
 * another commit but the same tree. Runs that recorded no tree get theirs from git, in one call.
 */
import { type Git, openRepository } from "./repository";

/** The tree of each commit git knows (those it does not are left out). */
export function treesOf(git: Git, commits: string[]): Map<string, string> {
  const unique = [...new Set(commits)];
  const trees = new Map<string, string>();
  if (unique.length === 0) return trees;
  const result = git.run(["cat-file", "--batch-check=%(objectname) %(objecttype)"], { input: `${unique.map((commit) => `${commit}^{tree}`).join("\n")}\n` });
  const lines = result.stdout.toString().split("\n");
  unique.forEach((commit, i) => {
    const [id, type] = (lines[i] ?? "").split(" ");
    if (type === "tree" && id) trees.set(commit, id);
  });
  return trees;
}

/** The short code id people compare: the first 8 hex digits of the tree. */
export const codeId = (tree: string | null | undefined): string => (tree ? tree.slice(0, 8) : "");

/** Fills in the tree of runs that recorded a commit but no tree, from the repository at `cwd` when there is one. */
export function fillTrees(runs: RunTree[], cwd: string, env: NodeJS.ProcessEnv): void {
  treeFiller(cwd, env)(runs);
}

type RunTree = { commit: string | null; tree: string | null };

/**
 * fillTrees for runs handed over in batches (a streamed listing): the repository is opened once,
 * and each commit asked of git once (most runs of a store share few commits).
 */
export function treeFiller(cwd: string, env: NodeJS.ProcessEnv): (runs: RunTree[]) => void {
  let opened: ReturnType<typeof openRepository> | undefined;
  const known = new Map<string, string | null>();
  return (runs) => {
    const lacking = runs.filter((run) => run.commit && !run.tree);
    if (lacking.length === 0) return;
    opened ??= openRepository(cwd, env);
    if (typeof opened === "string") return;
    const asked = [...new Set(lacking.map((run) => run.commit!))].filter((commit) => !known.has(commit));
    const trees = treesOf(opened.git, asked);
    for (const commit of asked) known.set(commit, trees.get(commit) ?? null);
    for (const run of lacking) run.tree = known.get(run.commit!) ?? null;
  };
}
