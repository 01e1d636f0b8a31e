import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The top of the git work tree holding `cwd`, found without starting git: the nearest directory
 * with a `.git` entry (a directory, or a file in worktrees and submodules). `GIT_WORK_TREE` wins.
 */
export function findWorkTreeTop(cwd: string, env: NodeJS.ProcessEnv): string | null {
  if (env.GIT_WORK_TREE) return resolve(cwd, env.GIT_WORK_TREE);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return null;
  }
}
