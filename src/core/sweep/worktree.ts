/**
 * The worktrees sweeps and reruns start their runs in, holding exactly the code they record, so
 * an edit made meanwhile never reaches a run. What the code leaves out but a script reads (ignored
 * data, a virtualenv, a .env the snapshot skipped) is linked in from the work tree, so relative
 * paths to it still work; the links go again when the runs end.
 */
import { lstatSync, mkdirSync, readdirSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { firstLine, type Git, type Repository } from "../git/repository";
import { addLockedWorktree, releaseWorktree } from "../git/worktrees";
import { linkOnTheWay } from "../os/files";
import type { SkippedFile } from "../record/schema";
import { isConfinedPath } from "../record/untrusted";

export interface RunTree {
  /** The worktree's top. */
  top: string;
  /** The links made into it (paths from its top). */
  links: string[];
}

/** A new worktree at `dir` holding `commit`, locked for this process until `closeRunTree`. */
export function openRunTree(git: Git, dir: string, commit: string, purpose: "rerun" | "sweep"): RunTree {
  addLockedWorktree(git, dir, commit, purpose);
  return { top: dir, links: [] };
}

/**
 * The files and folders the work tree at `repo.top` has and git ignores (git collapses a wholly
 * ignored folder), read by a git process started now, so it can go on while the worktree is made.
 * A listing that meets a worktree being added in the store (its gitdir not yet whole) fails: it is
 * read once more when awaited, after the worktree is made. When that fails too, `failure` holds
 * git's words and nothing is listed.
 */
export async function ignoredPaths(git: Git, repo: Repository): Promise<{ paths: string[]; failure?: string }> {
  let failure = "";
  for (let tries = 0; tries < 2; tries++) {
    try {
      const listed = await git.at(repo.top).start(["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory", "--no-empty-directory"]);
      if (listed.code === 0) return { paths: listed.stdout.toString().split("\0").filter(Boolean) };
      failure = firstLine(listed.stderr) || `exit ${listed.code}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
  }
  return { paths: [], failure };
}

/** The warning for a listing of ignored files that failed: what the runs will miss, and why. */
export function unlistedIgnoredWarning(failure: string): string {
  return `cannot list the files git ignores (git ls-files: ${failure}): files it ignores (data, a virtualenv) are not linked into the worktree the runs start in`;
}

/**
 * Links into the worktree what the work tree at `repo.top` has and the code does not: its
 * `ignored` files and folders and the files the snapshot skipped; never the store, nor a path the
 * worktree already holds.
 */
export function linkLeftOut(repo: Repository, tree: RunTree, store: string, skipped: SkippedFile[], ignored: string[]): void {
  const storePath = relative(repo.top, store).split(sep).join("/");
  for (const path of new Set([...ignored, ...skipped.map((file) => file.path)].map((entry) => entry.replace(/\/$/, "")))) {
    if (!isConfinedPath(path) || linkOnTheWay(tree.top, path)) continue;
    if (path === ".git" || path === storePath || path.startsWith(`${storePath}/`) || storePath.startsWith(`${path}/`)) continue;
    const at = join(tree.top, path);
    if (present(at) || !present(join(repo.top, path))) continue;
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(join(repo.top, path), at);
    tree.links.push(path);
  }
}

/**
 * Makes room in the worktree for a file at `path` (a kept output brought back): a link of
 * linkLeftOut's on its way, to the work tree's ignored folder, becomes a folder of links to that
 * folder's entries, so the file lands in the worktree and the other entries are still seen there;
 * such a link at `path` itself goes, for the file to take its place. Links the code holds stay.
 */
export function makeRoomFor(repo: Repository, tree: RunTree, path: string): void {
  const parts = path.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    const index = tree.links.indexOf(prefix);
    if (index < 0) continue;
    const at = join(tree.top, prefix);
    unlinkSync(at);
    tree.links.splice(index, 1);
    if (i === parts.length) return;
    mkdirSync(at);
    for (const entry of readdirSync(join(repo.top, prefix))) {
      symlinkSync(join(repo.top, prefix, entry), join(at, entry));
      tree.links.push(`${prefix}/${entry}`);
    }
  }
}

/**
 * Takes the links out and unlocks the worktree; with `remove`, removes it too unless the runs
 * left files in it (git refuses then). Returns what they left ([] when it is gone or kept clean).
 */
export function closeRunTree(git: Git, tree: RunTree, remove: boolean): string[] {
  for (const link of tree.links) {
    try {
      if (lstatSync(join(tree.top, link)).isSymbolicLink()) unlinkSync(join(tree.top, link));
    } catch {}
  }
  releaseWorktree(git, tree.top);
  if (!remove) return [];
  // Ignored files count: a checkpoint or an outputs/ folder the runs wrote is what git would delete
  // with the worktree. Only the caches an interpreter writes on its own go with it.
  const status = git.at(tree.top).run(["status", "--porcelain", "-z", "--untracked-files=normal", "--ignored"]);
  const left =
    status.code === 0
      ? status.stdout
          .toString()
          .split("\0")
          .filter(Boolean)
          .filter((entry) => !(entry.startsWith("!! ") && isCache(entry.slice(3))))
          .map((entry) => entry.slice(3))
      : ["(git status failed)"];
  if (left.length === 0 && git.run(["worktree", "remove", tree.top]).code === 0) return [];
  return left.length ? left : ["(git worktree remove refused)"];
}

/** Folders and files an interpreter writes by itself, which no run's result is in. */
const CACHES = new Set(["__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"]);

function isCache(path: string): boolean {
  const name = path.replace(/\/$/, "").split("/").at(-1)!;
  return CACHES.has(name) || name.endsWith(".pyc");
}

function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
