/**
 * A file of a run's code, read from its recorded commit (`git show <commit>:<path>`), or the
 * entries of a folder there; the work tree is never looked at.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { EXIT, UserError } from "../errors";
import { shortId } from "../record/refs";
import { changedFiles, type DiffFile } from "./diff";
import { firstLine, type Git, GitError } from "./repository";
import { runCode } from "./restore";
import { EMPTY_TREE } from "./tree-object";

export interface RunFileEntry {
  name: string;
  kind: "file" | "directory" | "symlink" | "submodule";
  /** Bytes, for a file or a link. */
  size: number | null;
}

/** A file of a run's code, by its path from the top. */
export type ListedFile = { path: string } & Omit<RunFileEntry, "name">;

interface RunPath {
  run_id: string;
  commit: string;
  /** From the top of the repository; "" is the top itself. */
  path: string;
}

export type RunFile =
  | (RunPath & { kind: "file"; size: number; executable: boolean; binary: boolean; content: Buffer })
  | (RunPath & { kind: "symlink"; size: number; target: string })
  | (RunPath & { kind: "directory"; entries: RunFileEntry[] })
  | (RunPath & { kind: "submodule"; submodule_commit: string });

/** How many bytes a file may have to be read (default: 10 MiB); a larger one is refused. */
export const MAX_RUN_FILE_BYTES = 10 * 1024 * 1024;

/** A path as the run's commit holds it: from the top, without `./`, a leading `/` or a trailing `/`. */
export function normalizeRunPath(path: string): string {
  return path
    .split("/")
    .filter((part) => part !== "" && part !== ".")
    .join("/");
}

/**
 * What the run's code holds at `path` (from the top of the repository): a file's bytes (checked
 * for being binary as git checks: a NUL in its first 8000 bytes), a link's target, a folder's
 * entries. A path it does not hold, or `..` in it, is an error saying so.
 */
export function readRunFile(
  git: Git,
  store: string,
  reference: string,
  path: string,
  warn: (message: string) => void = () => {},
  maxBytes = MAX_RUN_FILE_BYTES,
): RunFile {
  const { runId, commit } = runCode(git, store, reference, warn);
  const normalized = checkedPath(path);
  const base: RunPath = { run_id: runId, commit, path: normalized };
  if (normalized === "") return { ...base, kind: "directory", entries: listTree(git, commit) };
  const entry = lsTree(git, commit, [normalized]).find((e) => e.path === normalized);
  if (!entry) {
    throw new UserError(`the code of run ${shortId(runId)} has no ${normalized}`, EXIT.failure, `its files: exprag files ${shortId(runId)}`);
  }
  if (entry.type === "tree") return { ...base, kind: "directory", entries: listTree(git, entry.oid) };
  if (entry.type === "commit") return { ...base, kind: "submodule", submodule_commit: entry.oid };
  const size = entry.size ?? 0;
  if (entry.mode === "120000") return { ...base, kind: "symlink", size, target: blob(git, entry.oid).toString() };
  if (size > maxBytes) {
    throw new UserError(
      `${normalized} in run ${shortId(runId)} has ${size} bytes, more than the ${maxBytes} this reads`,
      EXIT.failure,
      `git show ${commit}:${normalized}`,
    );
  }
  const content = blob(git, entry.oid);
  const binary = content.subarray(0, 8000).includes(0);
  return { ...base, kind: "file", size, executable: entry.mode === "100755", binary, content };
}

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  size: number | null;
  path: string;
}

/** Every file of the run's code (links and submodules too, not folders), under `paths` (from the top) when given. */
export function listRunFiles(
  git: Git,
  store: string,
  reference: string,
  paths: string[] = [],
  warn: (message: string) => void = () => {},
): { run_id: string; commit: string; files: ListedFile[] } {
  const { runId, commit } = runCode(git, store, reference, warn);
  const files = lsTree(git, commit, paths.map(checkedPath), true).map(({ path, ...entry }) => ({ path, ...describe(entry) }));
  return { run_id: runId, commit, files };
}

/**
 * The files the run's snapshot changed against the HEAD it started from (untracked files it took
 * are added ones); none for a run that was clean. `base` is that HEAD (the empty tree before the
 * first commit).
 */
export function changedRunFiles(
  git: Git,
  store: string,
  reference: string,
  paths: string[] = [],
  warn: (message: string) => void = () => {},
): { run_id: string; commit: string; base: string; files: DiffFile[] } {
  const { runId, commit, head } = runCode(git, store, reference, warn);
  const base = head ?? EMPTY_TREE;
  const files = base === commit ? [] : changedFiles(git, ["--no-renames", base, commit, "--", ...paths.map((path) => `:(top,literal)${checkedPath(path)}`)]);
  return { run_id: runId, commit, base, files };
}

/**
 * A path as the user wrote it, from the current directory (`cwd`, inside the work tree at `top`),
 * as a path from the top; a path that leaves the repository is a usage error.
 */
export function pathFromHere(top: string, cwd: string, path: string): string {
  const fromTop = relative(top, resolve(cwd, path)).split(sep).join("/");
  if (fromTop === ".." || fromTop.startsWith("../") || isAbsolute(fromTop)) throw new UserError(`'${path}' is outside the repository (${top})`, EXIT.usage);
  return fromTop;
}

function checkedPath(path: string): string {
  const normalized = normalizeRunPath(path);
  if (normalized.split("/").includes("..")) throw new UserError(`'${path}' leaves the repository: give a path from its top`, EXIT.usage);
  return normalized;
}

function lsTree(git: Git, treeish: string, paths: string[] = [], recursive = false): TreeEntry[] {
  // A file's name, not a pattern: ':(glob)*' is a file called so (ls-tree refuses other magic).
  const literal = paths.map((path) => `:(literal)${path}`);
  const result = git.run(["ls-tree", "-z", "--long", "--full-tree", ...(recursive ? ["-r"] : []), treeish, "--", ...literal]);
  if (result.code !== 0) throw new GitError(`git ls-tree failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
  const entries: TreeEntry[] = [];
  for (const line of result.stdout.toString().split("\0")) {
    const match = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(line);
    if (match) entries.push({ mode: match[1]!, type: match[2]!, oid: match[3]!, size: match[4] === "-" ? null : Number(match[4]), path: match[5]! });
  }
  return entries;
}

function describe(entry: Omit<TreeEntry, "path">): Omit<RunFileEntry, "name"> {
  return {
    kind: entry.type === "tree" ? "directory" : entry.type === "commit" ? "submodule" : entry.mode === "120000" ? "symlink" : "file",
    size: entry.size,
  };
}

function listTree(git: Git, tree: string): RunFileEntry[] {
  return lsTree(git, tree).map((entry) => ({ name: entry.path, ...describe(entry) }));
}

function blob(git: Git, oid: string): Buffer {
  const result = git.run(["cat-file", "blob", oid]);
  if (result.code !== 0) throw new GitError(`git cat-file failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
  return result.stdout;
}
