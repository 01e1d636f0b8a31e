/**
 * git's tree objects as bytes: `<mode> <name>\0<20-byte id>` entries in git's order, an entry
 * found by a binary search, a tree rewritten with some names removed or set, and its id.
 */

export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export const TREE_MODE = "40000";

/** A new entry of a tree: its bytes as git stores them (`<mode> <name>\0<20-byte id>`), and what orders it. */
interface NewEntry {
  name: Buffer;
  isTree: boolean;
  bytes: Buffer;
}

function newEntry(mode: string, name: string, oid: string): NewEntry {
  const nameBytes = Buffer.from(name, "latin1");
  return { name: nameBytes, isTree: mode === TREE_MODE, bytes: Buffer.concat([Buffer.from(`${mode} `), nameBytes, Buffer.from([0]), Buffer.from(oid, "hex")]) };
}

/**
 * HEAD's tree `raw` (absent: none there) with the entries named in `changed` removed or set, in
 * git's order; undefined when the result would not be a tree git makes (a file kept where a folder
 * is made, a mode git would rewrite). Only the changed names are looked for (a binary search):
 * the other entries are copied as they are.
 */
export function rewriteTree(
  raw: Buffer | undefined,
  changed: Map<string, { remove: true } | { mode: string; oid: string }>,
  folderOnly: (name: string) => boolean,
): Buffer | undefined {
  const tree = raw ?? Buffer.alloc(0);
  const starts = entryStarts(tree);
  if (starts === null) return undefined;
  const removed = new Set<number>();
  const inserts: { at: number; entry: NewEntry }[] = [];
  for (const [name, change] of changed) {
    const nameBytes = Buffer.from(name, "latin1");
    for (const asTree of [false, true]) {
      const at = lowerBound(tree, starts, nameBytes, asTree);
      if (at === starts.length || !sameName(tree, starts[at]!, nameBytes) || isTreeAt(tree, starts[at]!) !== asTree) continue;
      if (!asTree && folderOnly(name)) return undefined; // update-index refuses a path under a file it keeps
      removed.add(at);
    }
    if ("remove" in change) continue;
    const entry = newEntry(change.mode, name, change.oid);
    inserts.push({ at: lowerBound(tree, starts, entry.name, entry.isTree), entry });
  }
  inserts.sort((a, b) => a.at - b.at || nameOrder(a.entry.name, a.entry.isTree, b.entry.name, b.entry.isTree));
  const offset = (index: number) => (index < starts.length ? starts[index]! : tree.length);
  const pieces: Buffer[] = [];
  let kept = 0; // the first entry not copied yet
  const points = [...new Set([...inserts.map((insert) => insert.at), ...removed])].sort((a, b) => a - b);
  let next = 0;
  for (const point of points) {
    pieces.push(tree.subarray(offset(kept), offset(point)));
    while (next < inserts.length && inserts[next]!.at === point) pieces.push(inserts[next++]!.entry.bytes);
    kept = removed.has(point) ? point + 1 : point;
  }
  pieces.push(tree.subarray(offset(kept)));
  return Buffer.concat(pieces);
}

/** Where each entry of a raw tree starts; null when one has a mode git would not write. */
export function entryStarts(tree: Buffer): number[] | null {
  const starts: number[] = [];
  for (let at = 0; at < tree.length; ) {
    starts.push(at);
    if (!canonicalModeAt(tree, at)) return null;
    const nul = tree.indexOf(0, at + 7);
    if (nul < 0 || nul + 21 > tree.length) return null;
    at = nul + 21;
  }
  return starts;
}

/** Whether the entry at `at` has one of the modes git writes: 40000, 100644, 100755, 120000 or 160000 (byte by byte: this runs for every entry). */
function canonicalModeAt(tree: Buffer, at: number): boolean {
  if (tree[at] === 0x34) return tree[at + 1] === 0x30 && tree[at + 2] === 0x30 && tree[at + 3] === 0x30 && tree[at + 4] === 0x30 && tree[at + 5] === 0x20;
  if (tree[at] !== 0x31 || tree[at + 6] !== 0x20) return false;
  const b1 = tree[at + 1];
  const b2 = tree[at + 2];
  const b3 = tree[at + 3];
  const b4 = tree[at + 4];
  const b5 = tree[at + 5];
  if (b1 === 0x30 && b2 === 0x30) return (b3 === 0x36 && b4 === 0x34 && b5 === 0x34) || (b3 === 0x37 && b4 === 0x35 && b5 === 0x35); // 100644, 100755
  return (b1 === 0x32 || b1 === 0x36) && b2 === 0x30 && b3 === 0x30 && b4 === 0x30 && b5 === 0x30; // 120000, 160000
}

function nameAt(tree: Buffer, start: number): Buffer {
  const space = tree.indexOf(0x20, start);
  return tree.subarray(space + 1, tree.indexOf(0, space));
}

export const isTreeAt = (tree: Buffer, start: number) => tree[start] === 0x34; // "40000"

export function sameName(tree: Buffer, start: number, name: Buffer): boolean {
  return nameAt(tree, start).equals(name);
}

/** The first entry not ordered before (`name`, a tree or not). */
export function lowerBound(tree: Buffer, starts: number[], name: Buffer, isTree: boolean): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (nameOrder(nameAt(tree, starts[mid]!), isTreeAt(tree, starts[mid]!), name, isTree) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** git's tree order (base_name_compare): by name bytes, a tree's name compared as if it ended in `/`. */
function nameOrder(a: Buffer, aIsTree: boolean, b: Buffer, bIsTree: boolean): number {
  const common = Math.min(a.length, b.length);
  const prefix = a.compare(b, 0, common, 0, common);
  if (prefix !== 0) return prefix;
  const ca = a.length > common ? a[common]! : aIsTree ? 0x2f : 0;
  const cb = b.length > common ? b[common]! : bIsTree ? 0x2f : 0;
  return ca - cb;
}

export function treeId(body: Buffer): string {
  const hasher = new Bun.CryptoHasher("sha1");
  hasher.update(`tree ${body.length}\0`);
  hasher.update(body);
  return hasher.digest("hex");
}
