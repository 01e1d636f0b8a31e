/**
 * A run's code in a git worktree beside the user's checkout, which stays as it is: the safe way
 * to restore a run (`checkout --worktree`, the MCP tool) and where `exprag rerun` runs.
 *
 * The worktrees `exprag rerun` and `exprag sweep` make: `<store>/worktrees/<run_id>`, named by
 * the (first) run made in it, so `gc` removes one once that run is gone. While the rerun or sweep
 * lives, its worktree is locked with a reason naming its process, so a `gc` meanwhile (before the
 * run file exists) leaves it alone; a lock left by one that was killed is judged by that process.
 */
import { existsSync, realpathSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { liveness, readStartTicks } from "../os/processes";
import { decodeRunStart } from "../record/decode";
import { readRunStart } from "../record/reader";
import { listRunIds, RUN_ID, shortId } from "../record/refs";
import { runFilePath, storeFolder } from "../store";
import { END_OF_OPTIONS, notAnOption } from "./option-words";
import { firstLine, type Git, GitError } from "./repository";

export interface Worktree {
  path: string;
  head: string | null;
  /** The lock's reason ("" for a lock without one), null when not locked. */
  locked: string | null;
}

/** Where a rerun's (or a sweep's) worktree goes when no --worktree is given; never through a link. */
export const rerunWorktreeDir = (store: string, runId: string) => join(storeFolder(store, "worktrees"), runId);

const LOCK = /^exprag (?:rerun|sweep) (\d+) (\d+)$/;

export function listWorktrees(git: Git): Worktree[] {
  const listed = git.run(["worktree", "list", "--porcelain"]);
  if (listed.code !== 0) return [];
  const worktrees: Worktree[] = [];
  for (const line of listed.stdout.toString().split("\n")) {
    if (line.startsWith("worktree ")) worktrees.push({ path: line.slice("worktree ".length), head: null, locked: null });
    const current = worktrees.at(-1);
    if (!current) continue;
    if (line.startsWith("HEAD ")) current.head = line.slice("HEAD ".length);
    if (line === "locked" || line.startsWith("locked ")) current.locked = line.slice("locked ".length);
  }
  return worktrees;
}

/**
 * Adds a worktree at `dir` (absolute) holding `commit`: detached, or on a new branch `branch`. A
 * refusal is git's reason; a branch git made for a worktree it then could not add (a folder not
 * empty) goes again, so the user's branches stay as they were.
 */
export function addRunWorktree(git: Git, dir: string, commit: string, branch?: string): void {
  const name = branch === undefined ? undefined : notAnOption(branch, "branch");
  const before = name === undefined ? null : branchTip(git, name);
  const result = git.run(["worktree", "add", "--quiet", ...(name ? ["-b", name] : ["--detach"]), END_OF_OPTIONS, dir, commit]);
  if (result.code === 0) return;
  if (name !== undefined && before === null) {
    const made = branchTip(git, name);
    if (made !== null && made === branchTip(git, commit, "")) git.run(["branch", "-D", END_OF_OPTIONS, name]);
  }
  throw new GitError(`git worktree add failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
}

/** The commit `refs/heads/<name>` (or `prefix` + name) points at; null when there is none. */
function branchTip(git: Git, name: string, prefix = "refs/heads/"): string | null {
  const result = git.run(["rev-parse", "--verify", "--quiet", `${prefix}${name}^{commit}`]);
  return result.code === 0 ? result.stdout.toString().trim() : null;
}

/** A new worktree at `dir`, detached at `commit`, locked for this process until `releaseWorktree`. */
export function addLockedWorktree(git: Git, dir: string, commit: string, purpose: "rerun" | "sweep" = "rerun"): void {
  const reason = `exprag ${purpose} ${process.pid} ${readStartTicks(process.pid) ?? 0}`;
  git.text(["worktree", "add", "--quiet", "--detach", "--lock", "--reason", reason, END_OF_OPTIONS, dir, commit]);
}

export function releaseWorktree(git: Git, dir: string): void {
  git.run(["worktree", "unlock", dir]);
}

export interface WorktreeSearch {
  /** Rerun worktrees of this store whose run is gone. */
  orphaned: string[];
  /** Kept: locked by someone other than a rerun that has ended. */
  kept: { path: string; reason: string }[];
}

/** The worktrees reruns and sweeps made in `store` (`<store>/worktrees/<run_id>`, known to git) whose run file is gone. */
export function orphanedRerunWorktrees(git: Git, store: string): WorktreeSearch {
  const search: WorktreeSearch = { orphaned: [], kept: [] };
  const home = canonical(join(store, "worktrees"));
  for (const worktree of listWorktrees(git)) {
    const runId = basename(worktree.path);
    if (!RUN_ID.test(runId) || canonical(dirname(worktree.path)) !== home) continue;
    if (existsSync(runFilePath(store, runId))) continue;
    if (worktree.locked !== null) {
      const owner = LOCK.exec(worktree.locked);
      const alive = owner && liveness({ host: hostname(), pid: Number(owner[1]), boot_id: null, start_ticks: Number(owner[2]) || null }) !== "dead";
      if (alive) continue; // a rerun still starting: its run file is not there yet
      if (!owner) {
        search.kept.push({ path: worktree.path, reason: `locked (${worktree.locked || "no reason given"}); git worktree unlock it to let gc remove it` });
        continue;
      }
    }
    search.orphaned.push(worktree.path);
  }
  // A sweep's worktree is named by its first run, but all its points ran there: while any of them
  // is kept, so are the files they wrote in it.
  if (search.orphaned.length) {
    const users = runsIn(store, search.orphaned);
    search.orphaned = search.orphaned.filter((path) => {
      const runs = users.get(path);
      if (runs?.length)
        search.kept.push({
          path,
          reason: `runs ${runs.slice(0, 3).map(shortId).join(", ")}${runs.length > 3 ? ", ..." : ""} ran in it, and their outputs are there`,
        });
      return !runs?.length;
    });
  }
  return search;
}

/** The runs of `store` that ran in each of these folders (their recorded working directory in it). */
function runsIn(store: string, folders: string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const homes = folders.map((folder) => [folder, canonical(folder)] as const);
  for (const runId of listRunIds(store)) {
    let cwd: string | null = null;
    try {
      const start = readRunStart(runFilePath(store, runId));
      cwd = start ? decodeRunStart(start).process.cwd : null;
    } catch {
      continue; // unreadable: it says nothing of where it ran
    }
    if (!cwd) continue;
    for (const [folder, real] of homes) {
      if (cwd === folder || cwd.startsWith(`${folder}/`) || cwd === real || cwd.startsWith(`${real}/`))
        found.set(folder, [...(found.get(folder) ?? []), runId]);
    }
  }
  return found;
}

/** Removes worktrees (and what they hold), then prunes git's records of worktrees whose folder is gone. */
export function removeWorktrees(git: Git, paths: string[], dryRun = false): { removed: string[]; failed: { path: string; reason: string }[] } {
  const result = { removed: [] as string[], failed: [] as { path: string; reason: string }[] };
  for (const path of paths) {
    // A folder deleted by hand leaves only git's record of it, which the prune below takes.
    const removal = dryRun || !existsSync(path) ? { code: 0, stderr: "" } : git.run(["worktree", "remove", "--force", "--force", path]);
    if (removal.code === 0) result.removed.push(path);
    else result.failed.push({ path, reason: firstLine(removal.stderr) || `git worktree remove exit ${removal.code}` });
  }
  if (!dryRun && paths.length) git.run(["worktree", "prune"]);
  return result;
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
