/**
 * A file of a run's code, read from its recorded commit (`git show <commit>:<path>`), or the
 * entries of a folder there; the work tree is never looked at.
 */
import { EXIT, UserError } from "../errors";
import { shortId } from "../record/refs";
import { firstLine, type Git, GitError } from "./repository";
import { runCode } from "./restore";

export interface RunFileEntry {
  name: string;
  kind: "file" | "directory" | "symlink" | "submodule";
  /** Bytes, for a file or a link. */
  size: number | null;
}

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
  const normalized = normalizeRunPath(path);
  if (normalized.split("/").includes("..")) throw new UserError(`'${path}' leaves the repository: give a path from its top`, EXIT.usage);
  const base: RunPath = { run_id: runId, commit, path: normalized };
  if (normalized === "") return { ...base, kind: "directory", entries: listTree(git, commit) };
  const entry = lsTree(git, commit, [normalized]).find((e) => e.path === normalized);
  if (!entry) {
    throw new UserError(`the code of run ${shortId(runId)} has no ${normalized}`, EXIT.failure, `list its files with the path of a folder, or "" for the top`);
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

function lsTree(git: Git, treeish: string, paths: string[] = []): TreeEntry[] {
  const result = git.run(["ls-tree", "-z", "--long", "--full-tree", treeish, "--", ...paths]);
  if (result.code !== 0) throw new GitError(`git ls-tree failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
  const entries: TreeEntry[] = [];
  for (const line of result.stdout.toString().split("\0")) {
    const match = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(line);
    if (match) entries.push({ mode: match[1]!, type: match[2]!, oid: match[3]!, size: match[4] === "-" ? null : Number(match[4]), path: match[5]! });
  }
  return entries;
}

function listTree(git: Git, tree: string): RunFileEntry[] {
  return lsTree(git, tree).map((entry) => ({
    name: entry.path,
    kind: entry.type === "tree" ? "directory" : entry.type === "commit" ? "submodule" : entry.mode === "120000" ? "symlink" : "file",
    size: entry.size,
  }));
}

function blob(git: Git, oid: string): Buffer {
  const result = git.run(["cat-file", "blob", oid]);
  if (result.code !== 0) throw new GitError(`git cat-file failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
  return result.stdout;
}
