/**
 * Which run store applies: `--dir`, else `$EXPRAG_DIR`, else `dir` in the project config
 * (config.ts), else the nearest `.exprag` from the current directory up to the top of the git work
 * tree, else `.exprag` at that top (outside a work tree: in the current directory). A linked
 * worktree (made by `git worktree add`, `exprag checkout --worktree`, `sweep` or `rerun`) without a
 * store of its own uses its main worktree's.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { loadProjectConfig, type ProjectConfig } from "./config";
import { findWorkTreeTop } from "./git/work-tree-top";
import { STORE_DIR_NAME } from "./store";

export function resolveStoreDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
  config: () => ProjectConfig | null = () => loadProjectConfig(cwd, env),
): string {
  if (flag) return resolve(cwd, flag);
  if (env.EXPRAG_DIR) return resolve(cwd, env.EXPRAG_DIR);
  const project = config();
  if (project?.dirRefused) throw project.dirRefused;
  if (project?.dir) return project.dir;
  const top = findWorkTreeTop(cwd, env);
  if (top === null) return join(resolve(cwd), STORE_DIR_NAME);
  // The original exprag kept its store in the directory it ran in: a subfolder's store counts.
  for (let dir = resolve(cwd); dir.startsWith(top) && dir !== top; dir = dirname(dir)) {
    if (existsSync(join(dir, STORE_DIR_NAME, "runs"))) return join(dir, STORE_DIR_NAME);
  }
  const own = join(top, STORE_DIR_NAME);
  if (existsSync(join(own, "runs")) || env.GIT_WORK_TREE) return own;
  const main = mainWorkTreeTop(top);
  return main && existsSync(join(main, STORE_DIR_NAME, "runs")) ? join(main, STORE_DIR_NAME) : own;
}

/**
 * The main worktree of a linked worktree at `top`, read from its `.git` file (`gitdir: ...`) and
 * that folder's `commondir`; null for a main worktree, a submodule, or a bare main repository.
 */
export function mainWorkTreeTop(top: string): string | null {
  try {
    const dotGit = join(top, ".git");
    if (!statSync(dotGit).isFile()) return null;
    const gitDir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, "utf8"))?.[1]?.trim();
    if (!gitDir) return null;
    const linked = resolve(top, gitDir);
    const common = resolve(linked, readFileSync(join(linked, "commondir"), "utf8").trim());
    return basename(common) === ".git" ? dirname(common) : null;
  } catch {
    return null;
  }
}
