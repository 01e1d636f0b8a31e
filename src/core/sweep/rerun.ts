/**
 * `exprag rerun <run>`: what a recorded run needs to run again — its command, the folder it ran
 * in relative to the top of its code, its exact code — and whether the work tree here already
 * holds that code (for --here).
 */
import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, sep } from "node:path";
import { EXIT, UserError, usageError } from "../errors";
import type { Git, Repository } from "../git/repository";
import { currentTree, runCode } from "../git/restore";
import type { SnapshotLimits } from "../git/snapshot-limits";
import { listWorktrees } from "../git/worktrees";
import { decodeRunStart, type JsonObject } from "../record/decode";
import { projectOf, recordedElsewhere } from "../record/provenance";
import { readRunStart } from "../record/reader";
import { shortId } from "../record/refs";
import type { SkippedFile } from "../record/schema";
import { runFilePath, STORE_DIR_NAME } from "../store";
import { parseSetAssignment, setParam } from "./set-param";

export interface RerunSource {
  runId: string;
  experimentName: string;
  /** The run's commit, checked to be in this repository. */
  commit: string;
  /** Its code was a snapshot (on run/<id>), not a commit of the user's. */
  snapshot: boolean;
  argv: string[];
  /** The folder it ran in, relative to the top of its code ("" for the top). */
  folder: string;
  /** Said when the folder had to be guessed. */
  folderNote?: string;
  metadata: JsonObject;
  /** Its params: the command line's, and what a sweep or rerun handed it. */
  params: JsonObject;
  /** What its snapshot left out (ignored files aside), to link into a worktree of its code. */
  skipped: SkippedFile[];
  /** Where it was recorded when not here (another host, a pulled run): its command is someone else's. */
  elsewhere: string | null;
}

export function readRerunSource(git: Git, store: string, reference: string, warn: (message: string) => void): RerunSource {
  const { runId, commit } = runCode(git, store, reference, warn);
  const record = readRunStart(runFilePath(store, runId));
  const start = record ? decodeRunStart(record) : null;
  const argv = start?.process.argv;
  if (!start || !argv?.length) throw new UserError(`run ${shortId(runId)} recorded no command to run again`, EXIT.failure);
  const place = folderInCode(start.process.cwd, start.git?.top ?? null, git, store);
  return {
    runId,
    experimentName: start.experimentName,
    commit,
    snapshot: start.git?.snapshot_ref != null,
    argv,
    folder: place.folder,
    ...(place.note && { folderNote: place.note }),
    metadata: start.metadata,
    params: start.params,
    skipped: start.git?.skipped ?? [],
    elsewhere: recordedElsewhere(start, [projectOf(store), ...listWorktrees(git).map((worktree) => worktree.path)]),
  };
}

/**
 * A run recorded elsewhere runs a command someone else wrote: said on stderr each time, and
 * without a terminal to see it, only with `yes`.
 */
export function confirmForeignCommand(source: RerunSource, confirmed: boolean, warn: (message: string) => void): void {
  if (source.elsewhere === null) return;
  const what = `run ${shortId(source.runId)} was recorded ${source.elsewhere}; its command runs here: ${source.argv.join(" ")}`;
  if (!confirmed) throw usageError(what, "check the command, then pass --yes to run it");
  warn(what);
}

/**
 * Where, relative to the top of its code, a run ran. Its run_start records the top of its work
 * tree; a run recorded before that was kept is placed by the worktree of this repository holding
 * its folder (the deepest, since a rerun's worktree lies inside the main one's store), else by
 * its store's folder (`<top>/.exprag`); failing both, at the top, with a note saying so.
 */
export function folderInCode(cwd: string | null, top: string | null, git: Git, store: string): { folder: string; note?: string } {
  if (cwd === null) return { folder: "", note: "its folder was not recorded: running at the top of its code" };
  const inside = (base: string) => {
    const path = relative(base, cwd);
    return path === "" || (!path.startsWith(`..${sep}`) && path !== ".." && !isAbsolute(path)) ? path : null;
  };
  if (top !== null) {
    const folder = inside(top);
    if (folder !== null) return { folder };
  }
  const holders = listWorktrees(git)
    .flatMap((worktree) => [worktree.path, canonical(worktree.path)])
    .map((path) => ({ path, folder: inside(path) }))
    .filter((found): found is { path: string; folder: string } => found.folder !== null)
    .sort((a, b) => b.path.length - a.path.length);
  if (holders.length) return { folder: holders[0]!.folder };
  if (basename(store) === STORE_DIR_NAME) {
    const folder = inside(dirname(store));
    if (folder !== null) return { folder };
  }
  return { folder: "", note: `it ran in ${cwd}, which is in no worktree of this repository: running at the top of its code` };
}

/** The command with each `--set KEY=VALUE` applied, in the form the parameter came in. */
export function commandWithSettings(argv: string[], settings: string[]): string[] {
  let command = argv;
  for (const setting of settings) {
    const { key, value } = parseSetAssignment(setting);
    const changed = setParam(command, key, value);
    if (!changed) throw usageError(`--set ${setting}: the command gives no value for ${key}`, `its command: ${command.join(" ")}`);
    command = changed;
  }
  return command;
}

/**
 * Why the work tree here does not hold the code of commit `commit` (its files, untracked ones
 * included, as a snapshot would take them), or null when it does.
 */
export function codeDifference(git: Git, repo: Repository, store: string, commit: string, limits: SnapshotLimits): string | null {
  const here = currentTree(git, repo, store, limits).tree;
  const theirs = git.text(["rev-parse", `${commit}^{tree}`]);
  if (here === theirs) return null;
  const changes = git
    .text(["diff-tree", "-r", "--no-renames", "--name-status", theirs, here])
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [status = "", path = ""] = line.split("\t");
      return `${path} ${status === "A" ? "is new" : status === "D" ? "is missing" : "differs"}`;
    });
  const named = changes.slice(0, 5).join(", ") + (changes.length > 5 ? `, and ${changes.length - 5} more` : "");
  return named || "its files differ";
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The params the rerun is handed: the original's (a sweep's point among them, which its command
 * line may not show), less those `--set` changes, which the rewritten command line gives anew.
 */
export function rerunParams(params: JsonObject, settings: string[]): JsonObject {
  const kept = structuredClone(params);
  for (const setting of settings) {
    const { key } = parseSetAssignment(setting);
    for (const name of new Set([key, key.replaceAll("-", "_")])) deletePath(kept, name.split("."));
  }
  return kept;
}

function deletePath(object: JsonObject, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(object, head)) return;
  const value = object[head];
  if (rest.length === 0) delete object[head];
  else if (value !== null && typeof value === "object" && !Array.isArray(value)) deletePath(value as JsonObject, rest);
}
