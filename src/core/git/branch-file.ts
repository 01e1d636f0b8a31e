/**
 * A new branch written in process where git keeps branches as files, as `git update-ref` writes
 * one: `<ref>.lock` taken, the reflog's first entry appended, the lock renamed into place. One git
 * process fewer per snapshot. Whatever git would refuse or do some other way (the name packed
 * already, or in the way of a packed branch, packed refs git would not read or too big to read
 * at once, a file or folder in the way, the lock held) is left to update-ref, which says why.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { somethingAt } from "../os/files";

/** The packed refs read to look for a name in the way; a bigger file is left to git. */
const MOST_PACKED_REFS_BYTES = 1024 * 1024;

const NO_COMMIT = "0".repeat(40);

/**
 * Creates branch `ref` (`refs/heads/...`) at commit `oid` in the common folder `common`, its
 * reflog's first entry by `stamp` (identity and time) saying `message`. True when made; false
 * when nothing was written and git must make it.
 */
export function createBranchFile(common: string, ref: string, oid: string, stamp: string, message: string): boolean {
  if (!/^refs\/heads\/[0-9A-Za-z][0-9A-Za-z._/-]*$/.test(ref) || /\.\.|\/\/|\.lock(\/|$)|\/\.|[./]$/.test(ref) || !/^[0-9a-f]{40}$/.test(oid)) return false;
  if (packedInTheWay(common, ref)) return false;
  const file = join(common, ref);
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch {
    return false; // a file in the way: a branch named as one of its folders
  }
  const lock = `${file}.lock`;
  let fd: number;
  try {
    fd = openSync(lock, "wx", 0o666);
  } catch {
    return false; // held, or not writable
  }
  let placed = false;
  try {
    writeSync(fd, `${oid}\n`);
    closeSync(fd);
    fd = -1;
    if (somethingAt(file)) return false;
    const log = join(common, "logs", ref);
    mkdirSync(dirname(log), { recursive: true });
    writeFileSync(log, `${NO_COMMIT} ${oid} ${stamp}\t${message}\n`, { flag: "a", mode: 0o666 });
    renameSync(lock, file);
    placed = true;
    return true;
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
    if (!placed) removeLock(lock);
  }
}

/**
 * packed-refs as git reads it without complaint: its header, then `<oid> <name>` lines, each
 * maybe followed by the `^<oid>` it peels to, every line ended. git refuses any other file.
 */
const PACKED_REFS = /^(?:# pack-refs with:[^\n]*\n)?(?:[0-9a-f]{40} [^ \n]+\n(?:\^[0-9a-f]{40}\n)?)*$/;

/** Whether the packed refs hold `ref`, a branch under it, or one of its folders as a branch (or cannot be read as git reads them). */
function packedInTheWay(common: string, ref: string): boolean {
  const path = join(common, "packed-refs");
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
  if (size > MOST_PACKED_REFS_BYTES) return true;
  let text: string;
  try {
    text = readFileSync(path, "latin1");
  } catch {
    return true;
  }
  if (!PACKED_REFS.test(text) || text.includes(` ${ref}\n`) || text.includes(` ${ref}/`)) return true;
  for (let slash = ref.lastIndexOf("/"); slash > "refs/heads".length; slash = ref.lastIndexOf("/", slash - 1)) {
    if (text.includes(` ${ref.slice(0, slash)}\n`)) return true;
  }
  return false;
}

function removeLock(lock: string): void {
  try {
    unlinkSync(lock);
  } catch {}
}
