/**
 * The aggregates of ended runs' series, kept where reading them costs least: an aggregate in
 * `--where`, `--sort`, `--columns` or `best` otherwise reads every record of every run. The store
 * keeps them in `cache/series/<x>.json`, one file for the runs whose ids end in the hex digit `x`
 * (a file per run would cost an open each, as much as the rest of `ls`). Each run's entry
 * holds the key of the run file it was read from (see openRegular) and, for each path asked
 * about, the state its SeriesAccumulator ended with; it answers only while the run file's key is
 * the same. The cache is store content, not trusted: a file that is not a plain file of the
 * expected shape is ignored (and replaced when written), a link is never followed, and a cache
 * that cannot be read or written costs only the read of the run files. Safe to delete; push and
 * pull never carry it.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { isErrno } from "../errors";
import { RUN_ID } from "../record/untrusted";
import { cacheDir } from "../store";
import type { SeriesState } from "./series";

export const seriesCacheDir = (store: string) => join(cacheDir(store), "series");

const VERSION = 1;
/** A bigger file is not one this cache wrote for a store of any likely size: it is ignored. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const SHARD_FILE = /^[0-9a-f]\.json$/;

/** What a read of the run file found: its series, and the first line it skipped as no record (0: none), to warn of again. */
export interface Entry {
  key: string;
  skipped: number;
  series: Map<string, SeriesState>;
}
type Shard = Map<string, Entry>;

/** The file a run's entry lives in; null for an id that is not one (no path is made of it). */
const shardOf = (runId: string): string | null => (RUN_ID.test(runId) ? runId.slice(-1) : null);

export class SeriesCache {
  private readonly loaded = new Map<string, Shard>();
  /** Entries to write, by file: null forgets the run. */
  private readonly changed = new Map<string, Map<string, Entry | null>>();
  private usable: boolean | undefined;

  constructor(readonly store: string) {}

  /** The run's entry, when it was made from the file as it is now (`key`). */
  get(runId: string, key: string): Entry | undefined {
    const entry = this.entry(runId);
    return entry?.key === key ? entry : undefined;
  }

  /** Keeps these series of the run as read from the file with `key` (with what the entry holds for that key). */
  put(runId: string, key: string, skipped: number, series: [path: string, state: SeriesState][]): void {
    const shard = shardOf(runId);
    if (shard === null || !this.isUsable()) return;
    const before = this.entry(runId);
    const entry: Entry = { key, skipped, series: new Map(before?.key === key ? before.series : []) };
    for (const [path, state] of series) entry.series.set(path, state);
    this.shard(shard).set(runId, entry);
    this.change(shard, runId, entry);
  }

  forget(runId: string): void {
    const shard = shardOf(runId);
    if (shard === null || !this.isUsable()) return;
    if (this.shard(shard).delete(runId)) this.change(shard, runId, null);
  }

  /**
   * Writes what changed, each file as it is on disk now with the changes on top (another process
   * may have written it meanwhile), atomically; then forgets what it read, so the next question
   * reads the files again. Never throws.
   */
  flush(): void {
    const changed = [...this.changed];
    this.changed.clear();
    this.loaded.clear();
    const usable = this.usable;
    this.usable = undefined;
    if (!changed.length || !usable || !ownStore(this.store)) return;
    // Made one level at a time: a store deleted meanwhile is not made again.
    for (const dir of [cacheDir(this.store), seriesCacheDir(this.store)]) {
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (error) {
        if (!isErrno(error, "EEXIST")) return; // a read-only store answers without the cache
      }
    }
    if (!this.isUsable()) return;
    for (const [shard, entries] of changed) {
      const current = readShard(this.store, shard) ?? new Map<string, Entry>();
      for (const [runId, entry] of entries) {
        if (entry === null) current.delete(runId);
        else current.set(runId, mergedEntry(current.get(runId), entry));
      }
      writeShard(this.store, shard, current);
    }
    this.usable = undefined;
  }

  /** Drops the entries of runs that are gone; answers how many (none dropped when `dryRun`). */
  prune(exists: (runId: string) => boolean, dryRun = false): number {
    if (!this.isUsable()) return 0;
    let names: string[];
    try {
      names = readdirSync(seriesCacheDir(this.store)).filter((name) => SHARD_FILE.test(name));
    } catch {
      return 0;
    }
    let pruned = 0;
    if (!dryRun) removeStrayTemporaries(this.store);
    for (const name of names) {
      const shard = name.slice(0, 1);
      for (const runId of readShard(this.store, shard)?.keys() ?? []) {
        if (exists(runId)) continue;
        pruned++;
        if (!dryRun) this.forget(runId);
      }
    }
    this.flush();
    return pruned;
  }

  private entry(runId: string): Entry | undefined {
    const shard = shardOf(runId);
    if (shard === null || !this.isUsable()) return undefined;
    return this.shard(shard).get(runId);
  }

  private shard(shard: string): Shard {
    let found = this.loaded.get(shard);
    if (!found) {
      found = readShard(this.store, shard) ?? new Map();
      this.loaded.set(shard, found);
      // Read for this question only: a server's next question reads the files again.
      scheduleFlush();
    }
    return found;
  }

  private change(shard: string, runId: string, entry: Entry | null): void {
    scheduleFlush();
    const entries = this.changed.get(shard) ?? new Map<string, Entry | null>();
    this.changed.set(shard, entries.set(runId, entry));
  }

  /** The cache folders are folders or not there yet; a link or a file in their place turns the cache off. */
  private isUsable(): boolean {
    this.usable ??= [cacheDir(this.store), seriesCacheDir(this.store)].every((path) => {
      try {
        return lstatSync(path).isDirectory();
      } catch (error) {
        return isErrno(error, "ENOENT");
      }
    });
    return this.usable;
  }
}

/**
 * Whether the store is the user's own: a question asked of another user's store (as root, or in a
 * group-writable one) leaves nothing there its owner could not remove or would not write.
 */
function ownStore(store: string): boolean {
  try {
    return process.getuid === undefined || lstatSync(store).uid === process.getuid();
  } catch {
    return false;
  }
}

function mergedEntry(before: Entry | undefined, entry: Entry): Entry {
  if (before?.key !== entry.key) return entry;
  return { ...entry, series: new Map([...before.series, ...entry.series]) };
}

/** One cache per store for the process: a question's views share it; it is written once the question is answered. */
const caches = new Map<string, SeriesCache>();

export function seriesCache(store: string): SeriesCache {
  const known = caches.get(store);
  if (known) return known;
  const cache = new SeriesCache(store);
  caches.set(store, cache);
  return cache;
}

/** Writes every cache's changes now (a question's code is synchronous: they are written after it at the latest). */
export function flushSeriesCaches(): void {
  for (const cache of caches.values()) cache.flush();
}

let scheduled = false;
let hooked = false;

function scheduleFlush(): void {
  if (!hooked) {
    hooked = true;
    process.on("exit", flushSeriesCaches);
  }
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    flushSeriesCaches();
  });
}

/** A temporary file is renamed into place within moments of being made: one an hour old was left by a process that died. */
const STRAY_TEMPORARY_MS = 60 * 60 * 1000;
const TEMPORARY_FILE = /^[0-9a-f]\.json\.\d+\.[0-9a-f]*\.tmp$/;

function removeStrayTemporaries(store: string): void {
  try {
    for (const name of readdirSync(seriesCacheDir(store))) {
      if (!TEMPORARY_FILE.test(name)) continue;
      const path = join(seriesCacheDir(store), name);
      const stat = lstatSync(path);
      if (stat.isFile() && Date.now() - stat.mtimeMs > STRAY_TEMPORARY_MS) rmSync(path, { force: true });
    }
  } catch {
    // what cannot be removed now is tried again by the next gc
  }
}

const shardPath = (store: string, shard: string) => join(seriesCacheDir(store), `${shard}.json`);

/** The entries of one file; null when it is missing or not a cache file (anything unexpected in it is ignored). */
function readShard(store: string, shard: string): Shard | null {
  let text: string;
  try {
    const fd = openSync(shardPath(store, shard), constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return null;
      const buffer = Buffer.allocUnsafe(stat.size);
      let size = 0;
      for (let bytes = -1; size < buffer.length && bytes !== 0; size += bytes) bytes = readSync(fd, buffer, size, buffer.length - size, size);
      text = buffer.toString("utf8", 0, size);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(parsed) || parsed.version !== VERSION || !Array.isArray(parsed.paths) || !isObject(parsed.runs)) return null;
  const paths = parsed.paths;
  const entries: Shard = new Map();
  for (const [runId, value] of Object.entries(parsed.runs)) {
    if (shardOf(runId) !== shard || !Array.isArray(value) || typeof value[0] !== "string" || !(Number.isSafeInteger(value[1]) && value[1] >= 0)) continue;
    const series = new Map<string, SeriesState>();
    for (const item of value.slice(2)) {
      const path = Array.isArray(item) && Number.isSafeInteger(item[0]) ? paths[item[0]] : undefined;
      const state = typeof path === "string" ? decodeState(item.slice(1)) : undefined;
      if (state) series.set(path, state);
    }
    entries.set(runId, { key: value[0], skipped: value[1], series });
  }
  return entries;
}

/** Writes the file whole under a new name beside it, then renames it into place (the place itself is never written through). */
function writeShard(store: string, shard: string, entries: Shard): void {
  const path = shardPath(store, shard);
  try {
    if (!entries.size) return void rmSync(path, { force: true });
    // Each path once; an entry is [key, skipped, [path's index, ...state], ...].
    const paths = new Map<string, number>();
    const indexOf = (path: string) => {
      if (!paths.has(path)) paths.set(path, paths.size);
      return paths.get(path)!;
    };
    const runs = Object.fromEntries(
      [...entries].map(([runId, { key, skipped, series }]) => [
        runId,
        [key, skipped, ...[...series].map(([path, state]) => [indexOf(path), ...state.map(encodeNumber)])],
      ]),
    );
    const temporary = `${path}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
    const fd = openSync(temporary, "wx", 0o600);
    try {
      try {
        writeSync(fd, JSON.stringify({ version: VERSION, paths: [...paths.keys()], runs }));
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, path);
    } catch {
      rmSync(temporary, { force: true });
    }
  } catch {
    // a cache that cannot be written only costs the next question a read of the run files
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** JSON has no NaN, infinities or -0: they are kept as these strings. */
function encodeNumber(n: number | null): number | string | null {
  if (n === null || (Number.isFinite(n) && !Object.is(n, -0))) return n;
  if (Object.is(n, -0)) return "-0";
  return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
}

const SPECIAL: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY, "-0": -0 };

function decodeNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  return typeof value === "string" && Object.hasOwn(SPECIAL, value) ? SPECIAL[value] : undefined;
}

/** A state as encodeState wrote it, or undefined when the value is anything else. */
function decodeState(value: unknown): SeriesState | undefined {
  if (!Array.isArray(value) || value.length !== 7) return undefined;
  const [count, first, last, min, max, sum, finite] = value.map((item) => (item === null ? null : decodeNumber(item)));
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(finite) || sum === null || sum === undefined) return undefined;
  if ((count as number) < 0 || (finite as number) < 0 || (finite as number) > (count as number)) return undefined;
  const ends = [first, last, min, max];
  if (ends.some((n) => n === undefined)) return undefined;
  // No number yet: nothing else either; numbers: a first and a last.
  if (count === 0 ? ends.some((n) => n !== null) || finite !== 0 || sum !== 0 : first === null || last === null) return undefined;
  return [count as number, first as number | null, last as number | null, min as number | null, max as number | null, sum, finite as number];
}
