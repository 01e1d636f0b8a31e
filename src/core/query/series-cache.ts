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
import { lstatSync, mkdirSync, readdirSync } from "node:fs";
import { isErrno } from "../errors";
import { cacheDir } from "../store";
import type { SeriesState } from "./series";
import { type CachedSeries, type Entry, removeStrayTemporaries, SHARD_FILE, Shard, seriesCacheDir, shardOf, writeShard } from "./series-cache-file";

export class SeriesCache {
  /** The files as read for this question. */
  private readonly loaded = new Map<string, Shard>();
  /** Entries to write, by file: null forgets the run. What a question asks after them answers from here. */
  private readonly changed = new Map<string, Map<string, Entry | null>>();
  private usable: boolean | undefined;

  constructor(readonly store: string) {}

  /** The series of `path` the cache holds for the run's file as it is now (`key`). */
  get(runId: string, key: string, path: string): CachedSeries | undefined {
    const shard = shardOf(runId);
    if (shard === null || !this.isUsable()) return undefined;
    const changed = this.changed.get(shard);
    if (changed?.has(runId)) {
      const entry = changed.get(runId);
      const state = entry?.key === key ? entry.series.get(path) : undefined;
      return state && { state, skipped: entry!.skipped };
    }
    return this.shard(shard).series(runId, key, path);
  }

  /** Keeps these series of the run as read from the file with `key` (with what the entry holds for that key). */
  put(runId: string, key: string, skipped: number, series: [path: string, state: SeriesState][]): void {
    const shard = shardOf(runId);
    if (shard === null || !this.isUsable()) return;
    const before = this.entry(shard, runId);
    const entry: Entry = { key, skipped, series: new Map(before?.key === key ? before.series : []) };
    for (const [path, state] of series) entry.series.set(path, state);
    this.change(shard, runId, entry);
  }

  forget(runId: string): void {
    const shard = shardOf(runId);
    if (shard === null || !this.isUsable()) return;
    if (this.entry(shard, runId)) this.change(shard, runId, null);
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
      const current = Shard.read(this.store, shard)?.entries() ?? new Map<string, Entry>();
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
      for (const runId of Shard.read(this.store, shard)?.ids() ?? []) {
        if (exists(runId)) continue;
        pruned++;
        if (!dryRun) this.forget(runId);
      }
    }
    this.flush();
    return pruned;
  }

  /** The run's entry as this question leaves it: changed, or as read. */
  private entry(shard: string, runId: string): Entry | undefined {
    const changed = this.changed.get(shard);
    if (changed?.has(runId)) return changed.get(runId) ?? undefined;
    return this.shard(shard).entry(runId);
  }

  private shard(shard: string): Shard {
    let found = this.loaded.get(shard);
    if (!found) {
      found = Shard.read(this.store, shard) ?? Shard.empty(shard);
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
