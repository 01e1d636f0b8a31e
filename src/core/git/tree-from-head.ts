/**
 * The snapshot's tree built from HEAD's tree and what `git status --porcelain=v2` named, without
 * reading or writing the index (2.4 MB for 30,000 files, read again by every git command that
 * loads it): the changed files are hashed by `git hash-object` (the same clean filters, eol and
 * LFS conversion as `git update-index`), HEAD's trees on the way to them are read (in process
 * where they are loose objects, else by one `git cat-file --batch`), and new-trees.ts makes and
 * stores the new ones. The tree equals the one `update-index` and `write-tree` make in a
 * copy of the index (work-tree.ts), but for folders no change reaches: those are HEAD's trees as
 * they are, so one an old tool wrote with an empty folder or a mode git no longer writes stays so
 * (its files are the same). Whatever this cannot build the same way is left to the index's way:
 * `treeFromHead` then answers null.
 */
import { lstatSync, readFileSync, type Stats } from "node:fs";
import { folderDepth, readHeadTrees } from "./head-trees";
import { objectsFolder } from "./loose-objects";
import { byFolder, type Stored, writeTrees } from "./new-trees";
import { askOwnWrites, ownWrites } from "./own-writes";
import type { Git, GitResult, OpenGit, Repository } from "./repository";
import type { StatusEntry } from "./status";

/** A path's new state in the tree: gone, an object already stored, or a work tree file to hash. */
type Change = { remove: true } | { mode: string; oid: string } | { mode: string; hash: true };

/** More files than this are hashed the way that shows progress (update-index in steps). */
export const MOST_FILES_HASHED_AT_ONCE = 1000;

/** A tracked file bigger than this is not read for carriage returns: the index's way takes it. */
const CR_CHECK_MAX_BYTES = 16 * 1024 * 1024;

const GITLINK = "160000";

/** The modes git writes for a file: a mode of another spelling in HEAD's tree is one the index would rewrite. */
const FILE_MODES = ["100644", "100755", "120000"];

const ABSENT = "000000";

/** What the snapshot's tree needs, known before any file is hashed: each path's change and the folders they reach. */
interface TreePlan {
  head: string;
  changes: Map<string, Change>;
  /** The paths to hash, in the order hash-object is given them. */
  toHash: string[];
  /** The folders the changes reach, deepest first. */
  folders: string[];
  objects: string | null;
  repo: Repository;
}

const HASH_FILES = ["hash-object", "-w", "--stdin-paths"];

/**
 * What status said a snapshot changes of HEAD's tree: the tracked entries it takes, the untracked
 * paths it adds (exclusions already applied), and the entries it leaves out (`not-code`), which
 * must not differ between HEAD and the index.
 */
export interface StatusChanges {
  tracked: StatusEntry[];
  untracked: Buffer[];
  hidden: StatusEntry[];
}

/** The snapshot's tree, or null where only the index's way builds it the same. */
export function treeFromHead(git: Git, repo: Repository, changes: StatusChanges, progress?: (done: number, total: number) => void): string | null {
  const plan = planTree(git, repo, changes);
  if (plan === null) return null;
  const hashed = plan.toHash.length ? git.run(HASH_FILES, { input: hashInput(plan) }) : null;
  return treeOfPlan(git, plan, hashed, readHeadTrees(git, plan.objects, plan.head, plan.folders), progress);
}

/**
 * `treeFromHead`, with git hashing the files (and telling how objects may be written here, where
 * the config files cannot) while HEAD's trees are read in process: the git processes and this
 * one's work overlap. `hasher`: a hash-object started already (openHasher), told the paths once
 * they are known to be files, else nothing; ended either way.
 */
export async function treeFromHeadWhile(
  git: Git,
  repo: Repository,
  changes: StatusChanges,
  progress?: (done: number, total: number) => void,
  hasher?: OpenGit,
): Promise<string | null> {
  let plan: TreePlan | null = null;
  try {
    plan = planTree(git, repo, changes);
  } finally {
    if (!plan?.toHash.length) hasher?.end();
  }
  if (plan === null) return null;
  const hashing = !plan.toHash.length ? null : hasher ? hashedBy(hasher, plan) : git.start(HASH_FILES, { input: hashInput(plan) });
  const asking = plan.objects === null ? null : askOwnWrites(git, repo);
  let old: Map<string, Buffer> | null;
  try {
    old = readHeadTrees(git, plan.objects, plan.head, plan.folders);
  } catch (error) {
    await Promise.allSettled([hashing, asking]);
    throw error;
  }
  const [hashed] = await Promise.all([hashing, asking]);
  return treeOfPlan(git, plan, hashed, old, progress);
}

/** A hash-object started before the paths to hash are known: its start-up goes on beside other work (the status). Undefined where it cannot start. */
export function openHasher(git: Git): OpenGit | undefined {
  try {
    return git.open(HASH_FILES);
  } catch {
    return undefined; // hashed as before, by a hash-object started once the paths are known
  }
}

function hashedBy(hasher: OpenGit, plan: TreePlan): Promise<GitResult> {
  hasher.send(hashInput(plan));
  hasher.end();
  return hasher.result;
}

function planTree(git: Git, repo: Repository, { tracked, untracked, hidden }: StatusChanges): TreePlan | null {
  const head = repo.headTree;
  if (head === null || head.length !== 40) return null; // no commit yet, or SHA-256 objects
  const changes = plannedChanges(repo.top, tracked, untracked, hidden);
  if (changes === null) return null;
  const toHash = [...changes].filter(([, change]) => "hash" in change).map(([path]) => path);
  if (toHash.length > MOST_FILES_HASHED_AT_ONCE) return null;
  const folders = [...byFolder(changes).keys()].sort((a, b) => folderDepth(b) - folderDepth(a));
  return { head, changes, toHash, folders, objects: objectsFolder(repo, git.env), repo };
}

function hashInput(plan: TreePlan): Buffer {
  return Buffer.concat(plan.toHash.map((path) => Buffer.from(`${path}\n`, "latin1")));
}

/** The tree, from the plan, what hash-object answered (null: nothing to hash) and HEAD's trees at the plan's folders. */
function treeOfPlan(
  git: Git,
  plan: TreePlan,
  hashed: { code: number; stdout: Buffer } | null,
  old: Map<string, Buffer> | null,
  progress?: (done: number, total: number) => void,
): string | null {
  const { changes, toHash } = plan;
  if (hashed) {
    const oids = hashed.stdout.toString().split("\n").slice(0, -1);
    if (hashed.code !== 0 || oids.length !== toHash.length) return null;
    toHash.forEach((path, i) => {
      const change = changes.get(path) as { mode: string };
      changes.set(path, { mode: change.mode, oid: oids[i]! });
    });
    progress?.(toHash.length, toHash.length);
  }
  if (old === null) return null;
  const objects = plan.objects !== null && ownWrites(git, plan.repo).objects ? plan.objects : null;
  return writeTrees(git, objects, changes as Map<string, Stored>, old);
}

/**
 * Each path's new state, keyed by its bytes as latin1 text (names need not be UTF-8). Null for
 * what this way does not build: unmerged paths, submodules, renames in the work tree,
 * .gitattributes changes, names with control characters, links, files that are not regular, an
 * untracked executable where core.fileMode may say otherwise, and a tracked file holding a
 * carriage return (autocrlf looks at the index's copy then, which hash-object does not).
 */
function plannedChanges(top: string, entries: StatusEntry[], untracked: Buffer[], hiddenEntries: StatusEntry[]): Map<string, Change> | null {
  if (hiddenEntries.some((entry) => entry.code !== "??" && entry.code[0] !== " ")) return null;
  const removals = new Map<string, Change>();
  const sets = new Map<string, Change>();
  const all = [...entries.map((entry) => entry.path), ...untracked];
  if (all.some((path) => unusualName(path))) return null;
  for (const entry of entries) {
    if (entry.code === "??") continue;
    const state = entry.tracked;
    if (!state || state.kind === "u" || state.submodule !== "N...") return null;
    if ([state.headMode, state.indexMode, state.worktreeMode].includes(GITLINK)) return null;
    const [x, y] = [entry.code[0]!, entry.code[1]!];
    if (y === "R" || y === "C") return null;
    const path = entry.path.toString("latin1");
    if (x === "R" && entry.from) {
      if (unusualName(entry.from)) return null;
      removals.set(entry.from.toString("latin1"), { remove: true });
    }
    if (y === "D" || (y === " " && state.indexMode === ABSENT)) {
      removals.set(path, { remove: true });
    } else if (y === " ") {
      if (!FILE_MODES.includes(state.indexMode)) return null;
      sets.set(path, { mode: state.indexMode, oid: state.indexOid });
    } else {
      const stat = lstatOrNull(top, entry.path);
      if (!stat?.isFile() || !FILE_MODES.includes(state.worktreeMode)) return null;
      if (state.indexMode !== ABSENT && holdsCarriageReturn(top, entry.path, stat)) return null;
      sets.set(path, { mode: state.worktreeMode, hash: true });
    }
  }
  for (const rawPath of untracked) {
    const stat = lstatOrNull(top, rawPath);
    if (!stat?.isFile() || stat.mode & 0o100) return null;
    sets.set(rawPath.toString("latin1"), { mode: "100644", hash: true });
  }
  // A path removed and set again (deleted in the index, back as an untracked file) is set.
  for (const [path, change] of sets) removals.set(path, change);
  return removals;
}

/** A name git quotes or a line-based git input cannot carry, or a .gitattributes (read from the index when gone). */
function unusualName(path: Buffer): boolean {
  const text = path.toString("latin1");
  return CONTROL.test(text) || text.startsWith('"') || text === ".gitattributes" || text.endsWith("/.gitattributes");
}

const CONTROL = /[\x00-\x1f\x7f]/;

function lstatOrNull(top: string, rawPath: Buffer): Stats | null {
  try {
    return lstatSync(Buffer.concat([Buffer.from(`${top}/`), rawPath]));
  } catch {
    return null;
  }
}

function holdsCarriageReturn(top: string, rawPath: Buffer, stat: Stats): boolean {
  if (stat.size > CR_CHECK_MAX_BYTES) return true;
  try {
    return readFileSync(Buffer.concat([Buffer.from(`${top}/`), rawPath])).includes(0x0d);
  } catch {
    return true;
  }
}
