import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Whether any index entry is marked assume-unchanged or skip-worktree, read from the index file's
 * entry flags (formats 2 to 4), so the usual index costs no extra git call; a split index's shared
 * part (`sharedindex.<id>` beside it) is read too. Unknown formats say yes.
 */
export function indexMayHideChanges(path: string): boolean {
  return mayHide(path, true);
}

/** `indexMayHideChanges`, following a split index's link to its shared part or not (the shared part's own). */
function mayHide(path: string, followLink: boolean): boolean {
  const index = indexBytes(path);
  if (index === null) return !followLink; // no index yet; a split index's shared part gone may hide anything
  const u32 = (at: number) => u32At(index, at);
  if (index.length < 12 || u32(0) !== 0x44495243 /* DIRC */) return true;
  const version = u32(4);
  if (version < 2 || version > 4) return true;
  const ASSUME_VALID = 0x8000;
  const EXTENDED = 0x4000;
  const SKIP_WORKTREE = 0x4000; // in the extended flags
  const NAME_LENGTH = 0xfff; // the name's length, or this when it is as long or longer
  let offset = 12;
  // Bytes read inline, not through a helper: this runs for every entry (30,000 in a big work tree) of a cold program.
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
  if (!followLink) return false;
  const shared = sharedIndexOf(index, offset);
  if (shared === null) return false;
  return shared === undefined || mayHide(join(dirname(path), `sharedindex.${shared}`), false);
}

/**
 * The id of the shared index a split index names in its `link` extension (SHA-1, as the entries
 * are read), null where it names none, undefined where the extensions do not read as git writes them.
 */
function sharedIndexOf(index: Uint8Array, from: number): string | null | undefined {
  const CHECKSUM = 20;
  for (let offset = from; index.length - offset !== CHECKSUM; ) {
    if (offset + 8 + CHECKSUM > index.length) return undefined;
    const size = u32At(index, offset + 4);
    if (index[offset] === 0x6c && index[offset + 1] === 0x69 && index[offset + 2] === 0x6e && index[offset + 3] === 0x6b /* link */) {
      return size < CHECKSUM ? undefined : Buffer.from(index.subarray(offset + 8, offset + 8 + CHECKSUM)).toString("hex");
    }
    offset += 8 + size;
  }
  return null;
}

const u32At = (bytes: Uint8Array, at: number) => ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;

/**
 * The index file's bytes, mapped rather than read where it can be (a big index is megabytes);
 * null when there is none. Not mapped on Windows, where a mapped file (the real index, read for a
 * run's early status) cannot be replaced: git could not write the index while the run goes on.
 */
function indexBytes(path: string): Uint8Array | null {
  if (process.platform !== "win32") {
    try {
      return Bun.mmap(path, { shared: false });
    } catch {
      // read instead, or absent
    }
  }
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
