/**
 * Snapshot refs: where a run's snapshot lives, and which of them exprag may delete (for `rm` and
 * `gc` alike): only its own refs, never one checked out in a worktree.
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { liveness, processIdentity } from "../os/processes";
import { listRunIds, RUN_ID } from "../record/refs";
import { runFilePath, runsDir, STORE_DIR_NAME } from "../store";
import { FALLBACK_REF_PREFIX, RUNS_PREFIX, SNAPSHOT_BRANCH_PREFIX, SNAPSHOTS_PREFIX, snapshotBranchRef } from "./ref-names";
import { firstLine, type Git, openRepository } from "./repository";

/** The trailer of a snapshot commit's message that names the store holding its run. */
const STORE_TRAILER = "exprag-store:";
/** The trailer that names the process making the snapshot (pid, start ticks, boot id), which makes the run's file only afterwards. */
const PROCESS_TRAILER = "exprag-process:";

/** The trailers of a snapshot made now, by this process, for a run of `store`. */
export function snapshotTrailers(store: string): string {
  const { pid, start_ticks: ticks, boot_id: boot } = processIdentity();
  return `${STORE_TRAILER} ${store}\n${PROCESS_TRAILER} ${pid} ${ticks ?? "-"} ${boot ?? "-"}\n`;
}

/**
 * Whether the process that made a snapshot (its commit's `message`) is alive still: its run may
 * be starting, its file not written yet. A snapshot branch is made here, so the process was this
 * host's; an older exprag's message names none.
 */
function makerAlive(message: string): boolean {
  const line = message.split("\n").find((text) => text.startsWith(`${PROCESS_TRAILER} `));
  const [pid, ticks, boot] = line ? line.slice(PROCESS_TRAILER.length + 1).split(" ") : [];
  if (!pid || !/^\d+$/.test(pid)) return false;
  const known = (text: string | undefined) => (text && text !== "-" ? text : null);
  const startTicks = known(ticks);
  return liveness({ host: hostname(), pid: Number(pid), start_ticks: startTicks === null ? null : Number(startTicks), boot_id: known(boot) }) === "alive";
}

export interface SnapshotRef {
  ref: string;
  runId: string;
}

export interface OrphanSearch {
  /** Refs whose run is proven gone: no store that could hold it has it, and its own store was read. */
  orphaned: SnapshotRef[];
  /** Refs kept because nothing here can prove their run gone, with the reason. */
  doubtful: (SnapshotRef & { reason: string })[];
}

/**
 * Snapshot refs (`run/<id>` branches and fallback refs) whose run no store holds. A run is looked
 * for in this store, in the default store of every worktree (worktrees share refs), and in the
 * store its snapshot commit names; a ref is orphaned only when that last store was there to be
 * read. When in doubt (its store is not on this machine, or an older exprag did not name it), keep.
 * The refs push and pull keep (`refs/exprag/runs/<id>`, `refs/exprag/snapshots/<id>`) belong to
 * this store: their commits may come from another machine and name a store that is not here.
 */
export function orphanedSnapshotRefs(git: Git, store: string): OrphanSearch {
  const listed = git.text([
    "for-each-ref",
    "--format=%(refname)%00%(contents)%01",
    `refs/heads/${SNAPSHOT_BRANCH_PREFIX}`,
    FALLBACK_REF_PREFIX,
    RUNS_PREFIX,
    SNAPSHOTS_PREFIX,
  ]);
  const worktrees = git
    .run(["worktree", "list", "--porcelain"])
    .stdout.toString()
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
    .map((line) => join(line.slice("worktree ".length), STORE_DIR_NAME));
  const searched = [store, ...worktrees, ...storesInWorkTree(git)];
  const known = new Set(searched.flatMap((dir) => listRunIds(dir)));
  const search: OrphanSearch = { orphaned: [], doubtful: [] };
  for (const entry of listed.split("\x01")) {
    const [name = "", message = ""] = entry.replace(/^\n/, "").split("\0");
    const ref = { ref: name, runId: name.slice(name.lastIndexOf("/") + 1) };
    if (!RUN_ID.test(ref.runId) || known.has(ref.runId)) continue;
    if (name.startsWith(RUNS_PREFIX) || name.startsWith(SNAPSHOTS_PREFIX)) {
      search.orphaned.push(ref);
      continue;
    }
    if (makerAlive(message)) {
      search.doubtful.push({ ...ref, reason: "the exprag that made it is running still, and may not have written its run yet" });
      continue;
    }
    const own = recordedStore(message);
    // Its newest commit names no store: an older exprag's snapshot, or someone's commit on the branch since.
    if (own === null)
      search.doubtful.push({ ...ref, reason: "its newest commit is not a snapshot exprag made (someone committed on it, or an older exprag made it)" });
    else if (existsSync(runsDir(own))) {
      if (!existsSync(runFilePath(own, ref.runId))) search.orphaned.push(ref);
    } else search.doubtful.push({ ...ref, reason: `its store ${own} is not here` });
  }
  return search;
}

/**
 * The stores in the work tree that git can name: each folder it ignores that holds a `runs/`, or
 * a `.exprag` that does (a config's `dir`, a subfolder's store). A pulled run's refs are its
 * store's, wherever in the repository that is.
 */
function storesInWorkTree(git: Git): string[] {
  const top = git.run(["rev-parse", "--show-toplevel"]).stdout.toString().trim();
  if (!top) return [];
  const listed = git.at(top).run(["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"]);
  if (listed.code !== 0) return [];
  return listed.stdout
    .toString()
    .split("\0")
    .filter((entry) => entry.endsWith("/"))
    .flatMap((entry) => [join(top, entry), join(top, entry, STORE_DIR_NAME)])
    .filter((dir) => existsSync(runsDir(dir)));
}

function recordedStore(message: string): string | null {
  const line = message.split("\n").find((text) => text.startsWith(`${STORE_TRAILER} `));
  return line ? line.slice(STORE_TRAILER.length + 1) : null;
}

/** Branches checked out in any worktree; they are never deleted. */
export function checkedOutBranches(git: Git): Set<string> {
  const listed = git.run(["worktree", "list", "--porcelain"]).stdout.toString();
  return new Set(
    listed
      .split("\n")
      .filter((line) => line.startsWith("branch "))
      .map((line) => line.slice("branch ".length)),
  );
}

/** The snapshot ref a run recorded, when it is one of exprag's own for that run (never a user's branch). */
export function ownSnapshotRef(runId: string, recorded: string | null): string | null {
  const ours = [snapshotBranchRef(runId), `${FALLBACK_REF_PREFIX}${runId}`];
  return recorded !== null && ours.includes(recorded) ? recorded : null;
}

export interface RefRemoval {
  deleted: string[];
  /** Kept on purpose (checked out in a worktree), with the reason. */
  kept: { ref: string; reason: string }[];
  /** Deleting failed, with git's words. */
  failed: { ref: string; reason: string }[];
}

/**
 * Deletes snapshot refs, except those checked out in a worktree and those no longer at the
 * snapshot commit given with them (`at`: someone committed on the branch); `dryRun` only says
 * what it would do.
 */
export function removeSnapshotRefs(git: Git, refs: (string | { ref: string; at: string })[], dryRun = false): RefRemoval {
  const inUse = refs.length ? checkedOutBranches(git) : new Set<string>();
  const removal: RefRemoval = { deleted: [], kept: [], failed: [] };
  for (const entry of refs) {
    const { ref, at } = typeof entry === "string" ? { ref: entry, at: undefined } : entry;
    if (inUse.has(ref)) {
      removal.kept.push({ ref, reason: "checked out" });
      continue;
    }
    if (at !== undefined) {
      const now = git
        .run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])
        .stdout.toString()
        .trim();
      if (now === "") continue; // gone already: nothing to delete, nothing kept
      if (now !== at) {
        removal.kept.push({ ref, reason: "not at the run's snapshot any more (commits were made on it)" });
        continue;
      }
    }
    // With the commit expected, a branch moved meanwhile is refused by git rather than deleted.
    const result = dryRun ? { code: 0, stderr: "" } : git.run(["update-ref", "-d", ref, ...(at === undefined ? [] : [at])]);
    if (result.code === 0) removal.deleted.push(ref);
    else removal.failed.push({ ref, reason: firstLine(result.stderr) || `git update-ref exit ${result.code}` });
  }
  return removal;
}

/** Takes back the snapshot ref of a run that could not be recorded after all. */
export function discardSnapshot(cwd: string, env: NodeJS.ProcessEnv, ref: string | null): void {
  if (ref === null) return;
  const opened = openRepository(cwd, env);
  if (typeof opened !== "string") opened.git.run(["update-ref", "-d", ref]);
}
