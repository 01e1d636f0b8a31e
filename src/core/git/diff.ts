/**
 * How the code of two runs differs, or of a run and the work tree as it is now, as data: the
 * files that changed (with their line counts) and the patch text. `exprag diff` shows git's own
 * diff; this is the same comparison for programs.
 */
import type { SkippedFile } from "../record/schema";
import { firstLine, type Git, GitError, type Repository } from "./repository";
import { currentTree, runCode } from "./restore";
import { DEFAULT_SNAPSHOT_MAX_BYTES, type SnapshotLimits } from "./snapshot-limits";
import { notCodePathspecs } from "./status";

export interface DiffFile {
  path: string;
  /** git's status letter: A added, D deleted, M modified, R renamed, C copied, T type changed. */
  status: string;
  /** The path before a rename or copy; null otherwise. */
  old_path: string | null;
  /** Lines added and removed; null for a binary file. */
  added: number | null;
  deleted: number | null;
}

export interface RunDiff {
  from: { run_id: string; commit: string };
  /** The other run, or the work tree now (its tree, untracked files included, and what was left out of it). */
  to: { run_id: string; commit: string } | { work_tree: string; tree: string; skipped: SkippedFile[] };
  files: DiffFile[];
  /** The patch as git writes it (no colour); absent when only the files were asked for. */
  patch?: string;
  /** Whether the patch was cut at `maxPatchBytes`. */
  truncated?: boolean;
}

export interface DiffOptions {
  /** Only these paths (as git reads them from `cwd`). */
  paths?: string[];
  /** The files only, no patch. */
  stat?: boolean;
  /** Where paths are read from; the top of the work tree when not given. */
  cwd?: string;
  /** Cut the patch after this many bytes (default: no limit). */
  maxPatchBytes?: number;
  /** What the work tree's side leaves out, as the project's snapshots do (default: the size limit alone). */
  limits?: SnapshotLimits;
}

/** The code of run `from` against run `to`, or against the work tree when `to` is null. */
export function diffRuns(
  git: Git,
  repo: Repository,
  store: string,
  from: string,
  to: string | null,
  options: DiffOptions = {},
  warn: (message: string) => void = () => {},
): RunDiff {
  const source = runCode(git, store, from, warn);
  let target: RunDiff["to"];
  let toObject: string;
  if (to !== null) {
    const other = runCode(git, store, to, warn);
    target = { run_id: other.runId, commit: other.commit };
    toObject = other.commit;
  } else {
    const current = currentTree(git, repo, store, options.limits ?? { maxUntrackedBytes: DEFAULT_SNAPSHOT_MAX_BYTES });
    for (const { path, reason } of current.skipped) warn(`left out of the comparison: ${path} (${reason})`);
    target = { work_tree: repo.top, tree: current.tree, skipped: current.skipped };
    toObject = current.tree;
  }
  const at = options.cwd ? git.at(options.cwd) : git;
  const range = [source.commit, toObject, "--", ...(options.paths ?? []), ...notCodePathspecs(options.limits?.notCode)];
  const diff: RunDiff = { from: { run_id: source.runId, commit: source.commit }, to: target, files: changedFiles(at, range) };
  if (!options.stat) {
    const patch = gitOutput(at, ["diff", "--no-color", "--no-ext-diff", ...range]);
    const max = options.maxPatchBytes ?? Number.POSITIVE_INFINITY;
    diff.patch = (patch.length > max ? patch.subarray(0, max) : patch).toString();
    diff.truncated = patch.length > max;
  }
  return diff;
}

function gitOutput(git: Git, args: string[]): Buffer {
  const result = git.run(args);
  if (result.code !== 0) throw new GitError(`git ${args[0]} failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
  return result.stdout;
}

/** The changed files, from `--name-status` and `--numstat` (both -z: paths exactly as they are). */
export function changedFiles(git: Git, range: string[]): DiffFile[] {
  const counts = gitOutput(git, ["diff", "--numstat", "-z", ...range])
    .toString()
    .split("\0");
  const lines = new Map<string, { added: number | null; deleted: number | null }>();
  for (let i = 0; i < counts.length; i++) {
    const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(counts[i]!);
    if (!match) continue;
    let path = match[3]!;
    // A rename or copy leaves the path empty and names the old and the new path next.
    if (path === "") {
      path = counts[i + 2] ?? "";
      i += 2;
    }
    const count = (text: string) => (text === "-" ? null : Number(text));
    lines.set(path, { added: count(match[1]!), deleted: count(match[2]!) });
  }
  const statuses = gitOutput(git, ["diff", "--name-status", "-z", ...range])
    .toString()
    .split("\0");
  const files: DiffFile[] = [];
  for (let i = 0; i < statuses.length; i++) {
    const status = statuses[i]![0];
    if (!status) continue;
    const old_path = status === "R" || status === "C" ? (statuses[++i] ?? "") : null;
    const path = statuses[++i] ?? "";
    files.push({ path, status, old_path, ...(lines.get(path) ?? { added: null, deleted: null }) });
  }
  return files;
}
