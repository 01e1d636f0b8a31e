/**
 * The files a run left behind: every file under the work tree created or changed while the command
 * ran (its modification or change time at or after the start), ignored files included. `.git`, the
 * store, folders of installed code (virtualenvs, conda environments, node_modules, caches) and the
 * kernel's own file systems (proc, sysfs..., and what is mounted under them) are not looked into;
 * links are not followed.
 * `--outputs GLOB` looks only at paths the globs match.
 *
 * Each file gets a content hash: `sha256:<hex>` of the whole file up to HASH_FULL_MAX_BYTES, above
 * it `fp256:<hex>`, the SHA-256 of the size in decimal, a newline, and the first, middle and last
 * FINGERPRINT_PART_BYTES of the file: cheap, and different whenever the size or those parts differ.
 */
import { closeSync, constants, copyFileSync, type Dirent, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { kernelFoldersUnder, mountTable } from "../os/mounts";
import type { OutputFile, OutputsValue } from "../record/schema";
import { folderRule, searchedFolders } from "./output-folders";
import { foldersWithin, pathMatcher, searchStarts } from "./output-globs";
import type { OutputChanges } from "./outputs-watch";

export const HASH_FULL_MAX_BYTES = 64 * 1024 * 1024;
export const FINGERPRINT_PART_BYTES = 1024 * 1024;
/** At most this many files are listed; the rest are counted in `more`. */
export const MAX_OUTPUT_FILES = 10_000;
/**
 * The search reads at most this many folder entries (about two seconds' work), and says so where
 * it stops: a run started outside a work tree searches the folder it started in, which may be a
 * home folder or the file system's root.
 */
export const MAX_SEARCHED_ENTRIES = 250_000;
/** --keep-outputs copies files into the store until they add up to this. */
export const KEEP_OUTPUTS_MAX_BYTES = 1024 * 1024 * 1024;
/**
 * File times come from a coarse kernel clock that may lag the clock the start was read from by a
 * tick or two: a file written at once still counts.
 */
const CLOCK_SLACK_MS = 25;

export interface OutputsRequest {
  /** The top of the work tree: paths are relative to it. */
  root: string;
  /** When the command started (ms since the epoch). */
  since: number;
  /** Where to look instead of the whole tree. */
  globs: string[];
  /** Folders not looked into (the store). */
  skip: string[];
  /** How many folder entries the search reads at most (default MAX_SEARCHED_ENTRIES). */
  maxEntries?: number;
}

/**
 * The files created or changed under `root` since `since`, hashed, sorted by path. `changes`
 * (what a watch saw, outputs-watch.ts) narrows the search to the files and folders it names;
 * each is tested as the whole search would test it. `kernel`: where the kernel's file systems are
 * mounted under the root (os/mounts.ts), null when the root is on one; the mount table is read only
 * for the whole search: a watch's changes come only where it found every mount under the root local.
 */
export function findOutputs(
  request: OutputsRequest,
  changes: OutputChanges | null = null,
  kernel = kernelFoldersUnder(request.root, changes === null ? mountTable() : null),
): OutputsValue {
  const since = request.since - CLOCK_SLACK_MS;
  if (kernel === null) return { root: request.root, files: [], ...(request.globs.length > 0 && { globs: request.globs }) };
  const rule = folderRule([...request.skip, ...kernel]);
  const matches = pathMatcher(request.globs);
  const found = new Map<string, { path: string; size: number; mtime_ms: number }>();
  let linked = false;
  /**
   * `told`: named by a watch, or walked in a folder a watch named, so a file with other names is
   * noticed whether or not the globs match this one (the whole search spares itself that lstat).
   */
  const consider = (path: string, full: string, told = false) => {
    if (found.has(path) || (!told && !matches(path))) return;
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(full);
    } catch {
      return;
    }
    if (!stat.isFile()) return;
    linked ||= stat.nlink > 1;
    if (told && !matches(path)) return;
    // The change time: a write sets it, and so does a copy that keeps an old mtime (cp -p); an mtime set ahead (touch -d) never counts.
    if (stat.ctimeMs >= since) found.set(path, { path, size: stat.size, mtime_ms: Math.floor(stat.mtimeMs) });
  };
  const maxEntries = request.maxEntries ?? MAX_SEARCHED_ENTRIES;
  let unread = maxEntries;
  const walk = (folder: string, prefix: string, told = false) => {
    if (unread < 0) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return; // gone or unreadable meanwhile
    }
    unread -= entries.length;
    if (unread < 0) return;
    if (prefix && !rule.listed(folder, entries)) return;
    for (const entry of entries) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (rule.named(entry.name, full)) walk(full, path, told);
      } else if (entry.isFile()) consider(path, full, told && !linked);
    }
  };
  const searched = searchedFolders(request.root, rule.looksInto);
  // Where the globs name their folders, only those are looked into.
  const starts = searchStarts(request.globs);
  /** Each folder's entries, read once for all the globs' folders in it. */
  const listings = new Map<string, Set<string> | null>();
  const listing = (folder: string) => {
    if (!listings.has(folder)) {
      let names: Set<string> | null = null;
      try {
        names = new Set(readdirSync(join(request.root, folder)));
        unread -= names.size;
      } catch {}
      listings.set(folder, names);
    }
    return listings.get(folder)!;
  };
  /** Each part of a glob's folder is an entry of its parent, as the glob spells it (a case-insensitive file system answers for another case too). */
  const spelled = (start: string) => {
    for (let at = 0; at < start.length; ) {
      const slash = start.indexOf("/", at);
      const end = slash < 0 ? start.length : slash;
      const names = listing(start.slice(0, Math.max(0, at - 1)));
      if (unread < 0 || !names?.has(start.slice(at, end))) return false;
      at = end + 1;
    }
    return true;
  };
  /** `told`: as in `consider`; a folder named by the watch is spelled as it is, one a glob names is checked. */
  const walkFolder = (folder: string, told: boolean) => {
    if (searched(folder) && (changes?.folders.has(folder) || spelled(folder))) walk(join(request.root, folder), folder, told);
  };
  const walkWhole = () => {
    for (const start of starts) walkFolder(start, false);
  };
  // The folders the search never looks into (.git, the store...), which a watch names since it does not watch them, are no concern.
  const named = changes && foldersWithin([...changes.folders].filter(searched), starts);
  if (!changes || !named) walkWhole();
  else {
    for (const folder of named) walkFolder(folder, true);
    for (const path of changes.files) {
      const slash = path.lastIndexOf("/");
      if (searched(slash < 0 ? "" : path.slice(0, slash))) consider(path, join(request.root, path), true);
    }
    if (linked) {
      // A file with another name: a change through one name tells the kernel nothing of the other's folder.
      found.clear();
      listings.clear();
      unread = maxEntries;
      walkWhole();
    }
  }
  const sorted = [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const listed = sorted.slice(0, MAX_OUTPUT_FILES);
  const files: OutputFile[] = listed.flatMap((file) => {
    const hash = hashFile(join(request.root, file.path));
    return hash === null ? [] : [{ ...file, hash }];
  });
  return {
    root: request.root,
    files,
    ...(sorted.length > listed.length && { more: sorted.length - listed.length }),
    ...(request.globs.length > 0 && { globs: request.globs }),
    ...(unread < 0 && { incomplete: `the search stopped after ${maxEntries} folder entries: files past them were not looked at` }),
  };
}

/** The content hash of a file (see the top of this file); null when it cannot be read. */
export function hashFile(path: string, fullMaxBytes = HASH_FULL_MAX_BYTES): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const hasher = new Bun.CryptoHasher("sha256");
    const buffer = Buffer.allocUnsafe(FINGERPRINT_PART_BYTES);
    const feed = (start: number, length: number) => {
      for (let done = 0; done < length; ) {
        const bytes = readSync(fd, buffer, 0, Math.min(buffer.length, length - done), start + done);
        if (bytes === 0) break;
        hasher.update(buffer.subarray(0, bytes));
        done += bytes;
      }
    };
    if (size <= fullMaxBytes) {
      feed(0, size);
      return `sha256:${hasher.digest("hex")}`;
    }
    hasher.update(`${size}\n`);
    feed(0, FINGERPRINT_PART_BYTES);
    feed(Math.floor(size / 2) - FINGERPRINT_PART_BYTES / 2, FINGERPRINT_PART_BYTES);
    feed(size - FINGERPRINT_PART_BYTES, FINGERPRINT_PART_BYTES);
    return `fp256:${hasher.digest("hex")}`;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Where --keep-outputs keeps a run's copies: `<store>/outputs/<run_id>/<path>`. */
export const keptOutputsDir = (store: string, runId: string) => join(store, "outputs", runId);

/**
 * Copies outputs into the store, smallest first, until KEEP_OUTPUTS_MAX_BYTES; marks those kept.
 * A path that would lead out of the copy's folder is never written.
 */
export function keepOutputs(outputs: OutputsValue, store: string, runId: string, maxBytes = KEEP_OUTPUTS_MAX_BYTES): OutputsValue {
  const dir = keptOutputsDir(store, runId);
  let total = 0;
  const kept = new Set<string>();
  for (const file of [...outputs.files].sort((a, b) => a.size - b.size)) {
    if (total + file.size > maxBytes) break;
    const target = keptPath(dir, file.path);
    if (target === null) continue;
    try {
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(outputs.root, file.path), target, constants.COPYFILE_FICLONE);
    } catch {
      continue;
    }
    total += file.size;
    kept.add(file.path);
  }
  return { ...outputs, files: outputs.files.map((file) => (kept.has(file.path) ? { ...file, kept: true } : file)) };
}

/** The kept copy of `path` inside `dir`; null when the path would lead outside it. */
export function keptPath(dir: string, path: string): string | null {
  const target = resolve(dir, path);
  const inside = relative(dir, target);
  return inside && !inside.startsWith("..") && !inside.startsWith(sep) && !path.includes("\0") ? target : null;
}
