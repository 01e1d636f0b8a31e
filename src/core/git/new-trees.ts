/**
 * HEAD's trees with a snapshot's changes applied: each new tree made from the one it replaces,
 * deepest first, and stored, as loose objects in process or by one `git hash-object -t tree`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { folderDepth } from "./head-trees";
import { writeLooseObject } from "./loose-objects";
import type { Git } from "./repository";
import { EMPTY_TREE, rewriteTree, TREE_MODE, treeId } from "./tree-object";

/** A path's new state: gone, or an object already stored. */
export type Stored = { remove: true } | { mode: string; oid: string };

/** Each folder the changes reach (and each above it, up to the top), with the names changed in it. */
export function byFolder<T>(changes: Map<string, T>): Map<string, Map<string, T>> {
  const folders = new Map<string, Map<string, T>>([["", new Map()]]);
  for (const [path, change] of changes) {
    const slash = path.lastIndexOf("/");
    const folder = slash < 0 ? "" : path.slice(0, slash);
    for (let up = folder; !folders.has(up); up = up.slice(0, Math.max(0, up.lastIndexOf("/")))) folders.set(up, new Map());
    folders.get(folder)!.set(path.slice(slash + 1), change);
  }
  return folders;
}

/**
 * Applies `changes` to HEAD's trees `old` (at each folder they reach): makes the new ones deepest
 * first, stores them (writtenAsComputed; in `objects` where they may be written in process), and
 * answers the new root tree; null when one cannot be made as git would make it, or git disagrees or fails.
 */
export function writeTrees(git: Git, objects: string | null, changes: Map<string, Stored>, old: Map<string, Buffer>): string | null {
  // Each folder's changed names, from the deepest folder up: its changed files now, its changed folders as they are made.
  const folders = byFolder(changes);
  const order = [...folders.keys()].sort((a, b) => folderDepth(b) - folderDepth(a));
  const written: { oid: string; body: Buffer }[] = [];
  // Folders whose entry in their parent status said nothing of: HEAD must hold a folder (or nothing) there.
  const madeOnly = new Set<string>();
  let root: string | null = null;
  for (const folder of order) {
    const prefix = folder === "" ? "" : `${folder}/`;
    const made = rewriteTree(old.get(folder), folders.get(folder)!, (name) => madeOnly.has(prefix + name));
    if (made === undefined) return null;
    const oid = made.length === 0 ? null : treeId(made);
    if (oid !== null) written.push({ oid, body: made });
    if (folder === "") {
      root = oid;
      continue;
    }
    const slash = folder.lastIndexOf("/");
    const parent = folders.get(slash < 0 ? "" : folder.slice(0, slash))!;
    const name = folder.slice(slash + 1);
    const change = parent.get(name);
    if (change && !("remove" in change)) {
      // A file set where this folder was: the folder must have emptied, else git would refuse.
      if (oid !== null) return null;
      continue;
    }
    if (!change) madeOnly.add(folder);
    parent.set(name, oid === null ? { remove: true } : { mode: TREE_MODE, oid });
  }
  // Every file gone: the empty tree is the snapshot's, stored like any other (write-tree stores it too).
  if (root === null) written.push({ oid: EMPTY_TREE, body: Buffer.alloc(0) });
  if (!writtenAsComputed(git, objects, written)) return null;
  return root ?? EMPTY_TREE;
}

/**
 * Writes the trees: as loose objects in `objects`, where given, else with one
 * `git hash-object -t tree` (which checks each tree's form; mktree would look up every entry's
 * object), which must name each as computed here. True when they are stored.
 */
function writtenAsComputed(git: Git, objects: string | null, trees: { oid: string; body: Buffer }[]): boolean {
  if (objects !== null) {
    try {
      for (const { oid, body } of trees) writeLooseObject(objects, oid, "tree", body);
      return true;
    } catch {
      // left to git
    }
  }
  const folder = mkdtempSync(join(tmpdir(), "exprag-trees-"));
  try {
    const files = trees.map(({ body }, i) => {
      const file = join(folder, String(i));
      writeFileSync(file, body);
      return file;
    });
    const result = git.run(["hash-object", "-t", "tree", "-w", "--no-filters", "--stdin-paths"], { input: `${files.join("\n")}\n` });
    const named = result.stdout.toString().split("\n").filter(Boolean);
    return result.code === 0 && named.length === trees.length && named.every((oid, i) => oid === trees[i]!.oid);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
