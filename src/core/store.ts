/**
 * Where runs live: `<store>/runs/<run_id>.jsonl` (records) and `<run_id>.log` (output).
 * The store is `--dir`, else `$EXPRAG_DIR`, else `dir` in the project config (config.ts), else
 * the nearest `.exprag` from the current directory up to the top of the git work tree, else
 * `.exprag` at that top (outside a work tree: in the current directory). A linked worktree (made by
 * `git worktree add`, `exprag checkout --worktree`, `sweep` or `rerun`) without a store of its own
 * uses its main worktree's. It ignores itself for git with a `.gitignore` of `*`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { loadProjectConfig, type ProjectConfig } from "./config";
import { EXIT, errnoReason, UserError, usageError } from "./errors";
import { findWorkTreeTop } from "./git/work-tree-top";
import { isSymlink, writeNewFile } from "./os/files";

export const STORE_DIR_NAME = ".exprag";

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

/**
 * Whether the store was named on purpose (--dir, EXPRAG_DIR) rather than found. A store named by
 * the project config counts as found: a cloned repository could commit that config.
 */
export const isExplicitStore = (flag: string | undefined, env: NodeJS.ProcessEnv) => Boolean(flag || env.EXPRAG_DIR);

export const runsDir = (store: string) => join(store, "runs");
export const runFilePath = (store: string, runId: string) => join(runsDir(store), `${runId}.jsonl`);
export const runLogPath = (store: string, runId: string) => join(runsDir(store), `${runId}.log`);

/**
 * Creates the store and its runs folder (mode 0700: run files and logs hold output that may
 * contain secrets); fails with exit code 125 and the reason when it cannot. A store is a folder
 * of its own: never a repository's top, never a folder already holding other files (its
 * `.gitignore` of `*` would hide them from git). A store that was found, not named, must not
 * lead elsewhere through a symbolic link (a cloned repository could commit one); nothing is ever
 * written through a link.
 */
export function ensureStore(store: string, explicit: boolean): void {
  if (existsSync(join(store, ".git"))) {
    throw usageError(`the store ${store} would be the top of a git repository`, "give --dir a folder of its own, such as .exprag");
  }
  if (!explicit) {
    for (const path of [store, runsDir(store)]) {
      if (!isSymlink(path)) continue;
      throw new UserError(
        `${path} is a symbolic link: runs would be written wherever it points`,
        EXIT.internal,
        "remove it, or pass --dir DIR (or EXPRAG_DIR) to write there on purpose",
      );
    }
  }
  if (existsSync(store) && !existsSync(runsDir(store)) && readdirSafe(store).some((name) => name !== ".gitignore")) {
    throw usageError(`${store} already holds other files; it is not an exprag store`, "give --dir a new folder, or one exprag made");
  }
  try {
    mkdirSync(runsDir(store), { recursive: true, mode: 0o700 });
    writeNewFile(join(store, ".gitignore"), "*\n", 0o644);
  } catch (error) {
    throw storeError(store, error);
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function storeError(store: string, error: unknown): UserError {
  const reason = errnoReason(error);
  return new UserError(`cannot write the run store ${store} (${reason})`, undefined, "choose a writable store with --dir DIR or EXPRAG_DIR");
}
