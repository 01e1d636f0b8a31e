import { readFileSync } from "node:fs";

/**
 * Whether any index entry is marked assume-unchanged or skip-worktree, read from the index file's
 * entry flags (formats 2 to 4), so the usual index costs no extra git call. Unknown formats say yes.
 */
export function indexMayHideChanges(path: string): boolean {
  let index: Buffer;
  try {
    index = readFileSync(path);
  } catch {
    return false; // no index yet
  }
  if (index.length < 12 || index.toString("latin1", 0, 4) !== "DIRC") return true;
  const version = index.readUInt32BE(4);
  if (version < 2 || version > 4) return true;
  const ASSUME_VALID = 0x8000;
  const EXTENDED = 0x4000;
  const SKIP_WORKTREE = 0x4000; // in the extended flags
  let offset = 12;
  for (let entry = index.readUInt32BE(8); entry > 0; entry--) {
    if (offset + 62 > index.length) return true;
    const flags = index.readUInt16BE(offset + 60);
    if (flags & ASSUME_VALID) return true;
    let name = offset + 62;
    if (flags & EXTENDED) {
      if (index.readUInt16BE(name) & SKIP_WORKTREE) return true;
      name += 2;
    }
    if (version === 4) {
      while (index[name]! & 0x80) name++; // the varint of the shared prefix
      const end = index.indexOf(0, name + 1);
      if (end < 0) return true;
      offset = end + 1;
    } else {
      const end = index.indexOf(0, name);
      if (end < 0) return true;
      offset += (end - offset + 8) & ~7; // entries are NUL-padded to a multiple of 8
    }
  }
  return false;
}
