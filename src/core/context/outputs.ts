/**
 * The files a run left behind: every file under the work tree created or changed while the command
 * ran (its modification or change time at or after the start), ignored files included. `.git`, the
 * store, and folders of installed code (virtualenvs, conda environments, node_modules, caches) are
 * not looked into; links are not followed. `--outputs GLOB` looks only at paths the globs match.
 *
 * Each file gets a content hash: `sha256:<hex>` of the whole file up to HASH_FULL_MAX_BYTES, above
 * it `fp256:<hex>`, the SHA-256 of the size in decimal, a newline, and the first, middle and last
 * FINGERPRINT_PART_BYTES of the file: cheap, and different whenever the size or those parts differ.
 */
import { closeSync, constants, copyFileSync, type Dirent, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { OutputFile, OutputsValue } from "../record/schema";

export const HASH_FULL_MAX_BYTES = 64 * 1024 * 1024;
export const FINGERPRINT_PART_BYTES = 1024 * 1024;
/** At most this many files are listed; the rest are counted in `more`. */
export const MAX_OUTPUT_FILES = 10_000;
/** --keep-outputs copies files into the store until they add up to this. */
export const KEEP_OUTPUTS_MAX_BYTES = 1024 * 1024 * 1024;
/**
 * File times come from a coarse kernel clock that may lag the clock the start was read from by a
 * tick or two: a file written at once still counts.
 */
const CLOCK_SLACK_MS = 25;

/** Folders of installed code, never a run's outputs. */
const SKIPPED_FOLDERS = new Set([".git", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".hg", ".svn"]);

export interface OutputsRequest {
  /** The top of the work tree: paths are relative to it. */
  root: string;
  /** When the command started (ms since the epoch). */
  since: number;
  /** Where to look instead of the whole tree. */
  globs: string[];
  /** Folders not looked into (the store). */
  skip: string[];
}

/** The files created or changed under `root` since `since`, hashed, sorted by path. */
export function findOutputs(request: OutputsRequest): OutputsValue {
  const since = request.since - CLOCK_SLACK_MS;
  const skip = new Set(request.skip.map((folder) => resolve(folder)));
  const matches = pathMatcher(request.globs);
  const found: { path: string; size: number; mtime_ms: number }[] = [];
  const walk = (folder: string, prefix: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return; // gone or unreadable meanwhile
    }
    for (const entry of entries) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_FOLDERS.has(entry.name) || skip.has(full) || isEnvironmentFolder(full)) continue;
        walk(full, path);
      } else if (entry.isFile()) {
        if (!matches(path)) continue;
        let stat: ReturnType<typeof lstatSync>;
        try {
          stat = lstatSync(full);
        } catch {
          continue;
        }
        if (Math.max(stat.mtimeMs, stat.ctimeMs) >= since) found.push({ path, size: stat.size, mtime_ms: Math.floor(stat.mtimeMs) });
      }
    }
  };
  walk(request.root, "");
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const listed = found.slice(0, MAX_OUTPUT_FILES);
  const files: OutputFile[] = listed.flatMap((file) => {
    const hash = hashFile(join(request.root, file.path));
    return hash === null ? [] : [{ ...file, hash }];
  });
  return {
    root: request.root,
    files,
    ...(found.length > listed.length && { more: found.length - listed.length }),
    ...(request.globs.length > 0 && { globs: request.globs }),
  };
}

/**
 * Whether a path matches any of the globs (none: every path). A glob without a `/` matches a file
 * name anywhere (`*.pt`), as in .gitignore; one with a `/` matches the whole path (`checkpoints/**`).
 */
export function pathMatcher(globs: string[]): (path: string) => boolean {
  if (!globs.length) return () => true;
  const matchers = globs.map((glob) => ({ glob: new Bun.Glob(glob), anywhere: !glob.includes("/") }));
  return (path) => matchers.some(({ glob, anywhere }) => glob.match(path) || (anywhere && glob.match(path.slice(path.lastIndexOf("/") + 1))));
}

/** A virtualenv (pyvenv.cfg) or a conda environment (conda-meta) holds installed code. */
function isEnvironmentFolder(folder: string): boolean {
  return existsSync(join(folder, "pyvenv.cfg")) || existsSync(join(folder, "conda-meta"));
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
