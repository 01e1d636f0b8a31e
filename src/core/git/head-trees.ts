/**
 * HEAD's trees at the folders a snapshot changes, read in process where they are loose objects,
 * else by one `git cat-file --batch`.
 */
import { readLooseObject } from "./loose-objects";
import type { Git } from "./repository";
import { entryStarts, isTreeAt, lowerBound, sameName } from "./tree-object";

/**
 * HEAD's raw tree at each folder (a folder HEAD lacks, or holds as a file, is absent), read in
 * process where they are all loose objects, else by one `git cat-file --batch`; null when that fails.
 */
export function readHeadTrees(git: Git, objects: string | null, head: string, folders: string[]): Map<string, Buffer> | null {
  return (objects !== null && readLooseTrees(objects, head, folders)) || readTreesWithGit(git, head, folders);
}

/** The trees at `folders` from loose objects, each parent's entry naming its child; null when one is not loose. */
function readLooseTrees(objects: string, head: string, folders: string[]): Map<string, Buffer> | null {
  const trees = new Map<string, Buffer>();
  const starts = new Map<string, number[] | null>();
  for (const folder of [...folders].sort((a, b) => folderDepth(a) - folderDepth(b))) {
    let oid = head;
    if (folder !== "") {
      const slash = folder.lastIndexOf("/");
      const parentFolder = slash < 0 ? "" : folder.slice(0, slash);
      const parent = trees.get(parentFolder);
      if (parent === undefined) continue; // no such folder in HEAD
      if (!starts.has(parentFolder)) starts.set(parentFolder, entryStarts(parent));
      const entries = starts.get(parentFolder);
      if (!entries) return null;
      const name = Buffer.from(folder.slice(slash + 1), "latin1");
      const at = lowerBound(parent, entries, name, true);
      if (at === entries.length || !isTreeAt(parent, entries[at]!) || !sameName(parent, entries[at]!, name)) continue;
      const nul = parent.indexOf(0, entries[at]!);
      oid = parent.toString("hex", nul + 1, nul + 21);
    }
    const tree = readLooseObject(objects, oid, "tree");
    if (tree === null) return null;
    trees.set(folder, tree);
  }
  return trees;
}

function readTreesWithGit(git: Git, head: string, folders: string[]): Map<string, Buffer> | null {
  const input = Buffer.concat(folders.map((folder) => Buffer.from(folder === "" ? `${head}\n` : `${head}:${folder}\n`, "latin1")));
  const result = git.run(["cat-file", "--batch"], { input });
  if (result.code !== 0) return null;
  const out = result.stdout;
  const trees = new Map<string, Buffer>();
  let at = 0;
  for (const folder of folders) {
    const end = out.indexOf(0x0a, at);
    if (end < 0) return null;
    const header = out.toString("latin1", at, end);
    at = end + 1;
    if (header.endsWith(" missing") || header.endsWith(" ambiguous")) continue;
    const [, type, size] = header.split(" ");
    const length = Number(size);
    if (!Number.isSafeInteger(length) || at + length > out.length) return null;
    if (type === "tree") trees.set(folder, out.subarray(at, at + length));
    at += length + 1;
  }
  return trees;
}

/** How many folders deep `folder` is (the top: 0). */
export function folderDepth(folder: string): number {
  if (folder === "") return 0;
  let n = 1;
  for (let i = folder.indexOf("/"); i >= 0; i = folder.indexOf("/", i + 1)) n++;
  return n;
}
