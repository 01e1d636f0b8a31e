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

const VERSION = 1;
/** A bigger file is not one this cache wrote for a store of any likely size: it is ignored. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
export const SHARD_FILE = /^[0-9a-f]\.json$/;

/** What a read of the run file found: its series, and the first line it skipped as no record (0: none), to warn of again. */
export interface Entry {
  key: string;
  skipped: number;
  series: Map<string, SeriesState>;
}
export type Shard = Map<string, Entry>;

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

/** The entries of one file; null when it is missing or not a cache file (anything unexpected in it is ignored). */
export function readShard(store: string, shard: string): Shard | null {
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
export function writeShard(store: string, shard: string, entries: Shard): void {
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
