/** The git state a run starts from: commit, branch and whether the work tree has changes. */
import { findWorkTreeTop } from "./store";

export interface GitState {
  /** HEAD's commit; null in a repository with no commits yet. */
  commit: string | null;
  /** The checked-out branch; null when HEAD is detached. */
  branch: string | null;
  /** Uncommitted changes or untracked files that .gitignore does not exclude. */
  dirty: boolean;
}

/**
 * Reads the state with one `git status`. Null outside a work tree, without git, or when git
 * refuses the repository; the run goes on either way.
 */
export function readGitState(cwd: string, env: NodeJS.ProcessEnv): GitState | null {
  if (!env.GIT_DIR && !findWorkTreeTop(cwd, env)) return null;
  let result;
  try {
    result = Bun.spawnSync(["git", "status", "--porcelain=v2", "--branch", "-z"], {
      cwd,
      env: { ...env, GIT_OPTIONAL_LOCKS: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch {
    return null;
  }
  if (result.exitCode !== 0) return null;
  return parseStatus(result.stdout.toString());
}

export function parseStatus(porcelainV2: string): GitState {
  const state: GitState = { commit: null, branch: null, dirty: false };
  for (const entry of porcelainV2.split("\0")) {
    if (entry.startsWith("# branch.oid ")) {
      const oid = entry.slice("# branch.oid ".length);
      state.commit = oid === "(initial)" ? null : oid;
    } else if (entry.startsWith("# branch.head ")) {
      const head = entry.slice("# branch.head ".length);
      state.branch = head === "(detached)" ? null : head;
    } else if (entry && !entry.startsWith("# ")) {
      state.dirty = true;
    }
  }
  return state;
}
