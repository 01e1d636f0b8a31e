import { readFileSync } from "node:fs";

/**
 * Whether any index entry is marked assume-unchanged or skip-worktree, read from the index file's
 * entry flags (formats 2 to 4), so the usual index costs no extra git call. Unknown formats say yes.
 */
export function indexMayHideChanges(path: string): boolean {
  const index = indexBytes(path);
  if (index === null) return false; // no index yet
  const u16 = (at: number) => (index[at]! << 8) | index[at + 1]!;
  const u32 = (at: number) => ((u16(at) << 16) | u16(at + 2)) >>> 0;
  if (index.length < 12 || u32(0) !== 0x44495243 /* DIRC */) return true;
  const version = u32(4);
  if (version < 2 || version > 4) return true;
  const ASSUME_VALID = 0x8000;
  const EXTENDED = 0x4000;
  const SKIP_WORKTREE = 0x4000; // in the extended flags
  const NAME_LENGTH = 0xfff; // the name's length, or this when it is as long or longer
  let offset = 12;
  // Bytes read inline, not through u16: this runs for every entry (30,000 in a big work tree) of a cold program.
  for (let entry = u32(8); entry > 0; entry--) {
    if (offset + 62 > index.length) return true;
    const high = index[offset + 60]!;
    if (high & (ASSUME_VALID >> 8)) return true;
    let name = offset + 62;
    if (high & (EXTENDED >> 8)) {
      if (index[name]! & (SKIP_WORKTREE >> 8)) return true;
      name += 2;
    }
    const length = ((high << 8) | index[offset + 61]!) & NAME_LENGTH;
    if (version !== 4 && length !== NAME_LENGTH) {
      // The length in the flags spares searching each name for its end.
      offset += (name + length - offset + 8) & ~7; // entries are NUL-padded to a multiple of 8
      continue;
    }
    if (version === 4) while (index[name]! & 0x80) name++; // the varint of the shared prefix
    const end = index.indexOf(0, version === 4 ? name + 1 : name);
    if (end < 0) return true;
    offset = version === 4 ? end + 1 : offset + ((end - offset + 8) & ~7);
  }
  return false;
}

/** The index file's bytes, mapped rather than read where it can be (a big index is megabytes); null when there is none. */
function indexBytes(path: string): Uint8Array | null {
  try {
    return Bun.mmap(path, { shared: false });
  } catch {
    try {
      return readFileSync(path);
    } catch {
      return null;
    }
  }
}
