/**
 * The series cache's files (see series-cache.ts): where they are, and how an entry is written and
 * read back, trusting nothing read.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { RUN_ID } from "../record/untrusted";
import { cacheDir } from "../store";
import type { SeriesState } from "./series";

export const seriesCacheDir = (store: string) => join(cacheDir(store), "series");

/**
 * Version 1 kept the entries as an object by run id, each state a list of its own; its files are
 * ignored, and replaced when written. Version 2 keeps a list of entries, each one flat list,
 * [run id, key, skipped, (path's index, ...state) ...]: JSON.parse makes a list of lists several
 * times faster than an object of a thousand keys, and only the entries and paths asked for are
 * decoded.
 */
const VERSION = 2;
/** A state and the path's index before it, after the run id, the key and the line skipped. */
const HEAD = 3;
const STRIDE = 8;
/** A bigger file is not one this cache wrote for a store of any likely size: it is ignored. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
export const SHARD_FILE = /^[0-9a-f]\.json$/;

/** What a read of the run file found: its series, and the first line it skipped as no record (0: none), to warn of again. */
export interface Entry {
  key: string;
  skipped: number;
  series: Map<string, SeriesState>;
}

/** One path's series of a run as the cache holds it, and the line its read skipped. */
export interface CachedSeries {
  state: SeriesState;
  skipped: number;
}

/** The file a run's entry lives in; null for an id that is not one (no path is made of it). */
export const shardOf = (runId: string): string | null => (RUN_ID.test(runId) ? runId.slice(-1) : null);

/** A temporary file is renamed into place within moments of being made: one an hour old was left by a process that died. */
const STRAY_TEMPORARY_MS = 60 * 60 * 1000;
const TEMPORARY_FILE = /^[0-9a-f]\.json\.\d+\.[0-9a-f]*\.tmp$/;

export function removeStrayTemporaries(store: string): void {
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

/**
 * The entries of one file as read, each checked and decoded only when asked for: a question
 * reads one or two paths of each run, and anything unexpected in an entry makes it no entry.
 */
export class Shard {
  private constructor(
    readonly shard: string,
    /** Each path's index in the entries. */
    private readonly paths: Map<string, number>,
    /** Each entry by its run id, not yet checked. */
    private readonly runs: Map<string, unknown[]>,
  ) {}

  static empty(shard: string): Shard {
    return new Shard(shard, new Map(), new Map());
  }

  /** The file's entries; null when it is missing or not a cache file. */
  static read(store: string, shard: string): Shard | null {
    const parsed = readJson(shardPath(store, shard));
    if (!isObject(parsed) || parsed.version !== VERSION || !Array.isArray(parsed.paths) || !Array.isArray(parsed.runs)) return null;
    const paths = new Map<string, number>();
    for (const [index, path] of parsed.paths.entries()) if (typeof path === "string" && !paths.has(path)) paths.set(path, index);
    const runs = new Map<string, unknown[]>();
    for (const value of parsed.runs) if (Array.isArray(value) && typeof value[0] === "string" && !runs.has(value[0])) runs.set(value[0], value);
    return new Shard(shard, paths, runs);
  }

  /** The series of `path` kept for the run's file with `key`, when there is one. */
  series(runId: string, key: string, path: string): CachedSeries | undefined {
    const index = this.paths.get(path);
    const value = index === undefined ? undefined : this.value(runId);
    if (value === undefined || value[1] !== key) return undefined;
    const state = stateAt(value, index!);
    return state && { state, skipped: value[2] as number };
  }

  /** The run's whole entry (every path it holds that decodes), when there is one. */
  entry(runId: string): Entry | undefined {
    const value = this.value(runId);
    if (value === undefined) return undefined;
    const series = new Map<string, SeriesState>();
    for (const [path, index] of this.paths) {
      const state = stateAt(value, index);
      if (state) series.set(path, state);
    }
    return { key: value[1] as string, skipped: value[2] as number, series };
  }

  /** The ids of the runs with an entry here. */
  ids(): string[] {
    return [...this.runs.keys()].filter((runId) => shardOf(runId) === this.shard && this.value(runId) !== undefined);
  }

  /** Every entry, decoded (to be written again with changes). */
  entries(): Map<string, Entry> {
    return new Map(this.ids().map((runId) => [runId, this.entry(runId)!]));
  }

  /**
   * The run's entry as written, when it has the shape one is written in (its states are checked as
   * they are read). Asked only for ids of this file's runs: the cache reads a run's entry from its file.
   */
  private value(runId: string): unknown[] | undefined {
    const value = this.runs.get(runId);
    if (value === undefined || typeof value[1] !== "string" || !(Number.isSafeInteger(value[2]) && (value[2] as number) >= 0)) return undefined;
    return (value.length - HEAD) % STRIDE === 0 ? value : undefined;
  }
}

/** A regular file's JSON (a link is not followed, a big file not read); undefined when it is none. */
function readJson(path: string): unknown {
  let text: string;
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return undefined;
      const buffer = Buffer.allocUnsafe(stat.size);
      let size = 0;
      for (let bytes = -1; size < buffer.length && bytes !== 0; size += bytes) bytes = readSync(fd, buffer, size, buffer.length - size, size);
      text = buffer.toString("utf8", 0, size);
    } finally {
      closeSync(fd);
    }
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Writes the file whole under a new name beside it, then renames it into place (the place itself is never written through). */
export function writeShard(store: string, shard: string, entries: Map<string, Entry>): void {
  const path = shardPath(store, shard);
  try {
    if (!entries.size) return void rmSync(path, { force: true });
    // Each path once; an entry is [run id, key, skipped, path's index, ...state, path's index, ...state, ...].
    const paths = new Map<string, number>();
    const indexOf = (path: string) => {
      if (!paths.has(path)) paths.set(path, paths.size);
      return paths.get(path)!;
    };
    const runs = [...entries].map(([runId, { key, skipped, series }]) => [
      runId,
      key,
      skipped,
      ...[...series].flatMap(([path, state]) => [indexOf(path), ...state.map(encodeNumber)]),
    ]);
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

/** A number as encodeNumber wrote it, null as null; undefined when the value is anything else. */
function decodeNumber(value: unknown): number | null | undefined {
  if (typeof value === "number" || value === null) return value;
  return typeof value === "string" && Object.hasOwn(SPECIAL, value) ? SPECIAL[value] : undefined;
}

/** The state of the path with this index in an entry, when it holds one that decodes. */
function stateAt(value: unknown[], index: number): SeriesState | undefined {
  for (let at = HEAD; at < value.length; at += STRIDE) if (value[at] === index) return decodeState(value, at + 1);
  return undefined;
}

/** The state written at `value[at, at + 7)`, or undefined when what is there is anything else. */
function decodeState(value: unknown[], at: number): SeriesState | undefined {
  const count = value[at];
  const finite = value[at + 6];
  const sum = decodeNumber(value[at + 5]);
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(finite) || sum === null || sum === undefined) return undefined;
  if ((count as number) < 0 || (finite as number) < 0 || (finite as number) > (count as number)) return undefined;
  const first = decodeNumber(value[at + 1]);
  const last = decodeNumber(value[at + 2]);
  const min = decodeNumber(value[at + 3]);
  const max = decodeNumber(value[at + 4]);
  if (first === undefined || last === undefined || min === undefined || max === undefined) return undefined;
  // No number yet: nothing else either; numbers: a first and a last.
  if (count === 0 ? first !== null || last !== null || min !== null || max !== null || finite !== 0 || sum !== 0 : first === null || last === null)
    return undefined;
  return [count as number, first, last, min, max, sum, finite as number];
}
