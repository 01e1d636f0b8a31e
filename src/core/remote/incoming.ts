/**
 * Writing pulled files into the store. They come from another machine and are untrusted: they
 * are first written to a staging folder inside the store (new files only, never through a link,
 * mode 0600), then put in place by a link or a rename in the same folder, so nothing is ever
 * written outside the store and no reader sees half a file. A local file is replaced only when
 * it is the start of the pulled one (the run grew); annotations merge by taking every line.
 */

import { closeSync, constants, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { isErrno } from "../errors";
import { pidAlive } from "../os/processes";
import { appendMissingLines } from "../record/line-merge";
import { forEachLine, openRegularFile } from "../record/reader";
import { runsDir } from "../store";

const STAGING_PREFIX = ".pull-";

/** Staging folders are named by host and process (`.pull-<host>-<pid>-<random>`): a store shared by several hosts tells their pulls apart. */
const hostPrefix = () => `${STAGING_PREFIX}${hostname().replace(/[^A-Za-z0-9.]/g, "_")}-`;

/** Staging folders this host's pulls left when they were killed (their process is gone). */
function removeAbandoned(runs: string): void {
  let names: string[];
  try {
    names = readdirSync(runs);
  } catch {
    return;
  }
  const mine = hostPrefix();
  for (const name of names) {
    if (!name.startsWith(mine)) continue;
    const pid = Number(name.slice(mine.length).split("-")[0]);
    if (Number.isSafeInteger(pid) && pid > 0 && !pidAlive(pid)) rmSync(join(runs, name), { recursive: true, force: true });
  }
}

/** A store of its own inside the store's runs folder, for one pull; the query code reads it like any store. */
export class Staging {
  /** The staging store: its runs are in `runsDir(store)`. */
  readonly store: string;

  constructor(store: string) {
    removeAbandoned(runsDir(store));
    this.store = join(runsDir(store), `${hostPrefix()}${process.pid}-${Math.random().toString(16).slice(2, 10)}`);
    mkdirSync(this.store, { mode: 0o700 });
    mkdirSync(runsDir(this.store), { mode: 0o700 });
  }

  path(name: string): string {
    return join(runsDir(this.store), name);
  }

  /** A new file in the staging store, opened for writing. */
  create(name: string): number {
    return openSync(this.path(name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  }

  remove(): void {
    rmSync(this.store, { recursive: true, force: true });
  }
}

/** How a pulled file met the local one. */
export type Placement = "new" | "same" | "grown" | "ahead" | "diverged" | "held" | "not a regular file";

/**
 * Puts the staged file at `target` when there is none (a link: it never replaces one that
 * appeared meanwhile) or when the local one is the start of it, or what `replaces` says it
 * supersedes (a rename over it); otherwise
 * leaves the local file as it is and says how they differ. A local file that `mayGrow` says must
 * stay as it is (its run is written here) is "held", never replaced.
 */
export function placeFile(
  staged: string,
  target: string,
  mayGrow: () => boolean = () => true,
  replaces: () => "superseded" | "stale" | null = () => null,
): Placement {
  let local: ReturnType<typeof lstatSync> | null = null;
  try {
    local = lstatSync(target);
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error;
  }
  if (local === null) {
    try {
      linkSync(staged, target);
      return "new";
    } catch (error) {
      if (!isErrno(error, "EEXIST")) throw error;
      return placeFile(staged, target, mayGrow, replaces);
    }
  }
  if (!local.isFile()) return "not a regular file";
  let order = prefixOrder(target, staged);
  // A Slurm point's run replaces its queued file rather than extending it (./queued-points.ts).
  if (order === "diverged") {
    const queued = replaces();
    if (queued === "superseded") order = "grown";
    else if (queued === "stale") order = "ahead";
  }
  if (order !== "grown") return order;
  if (!mayGrow()) return "held";
  renameSync(staged, target);
  return order;
}

/** Whether `a` and `b` are the same, or one is the start of the other, read in chunks. */
function prefixOrder(local: string, pulled: string): "same" | "grown" | "ahead" | "diverged" {
  const [fa, fb] = [openRegularFile(local), openRegularFile(pulled)];
  try {
    const [sa, sb] = [fstatSync(fa).size, fstatSync(fb).size];
    const [ba, bb] = [Buffer.allocUnsafe(256 * 1024), Buffer.allocUnsafe(256 * 1024)];
    for (let position = 0, end = Math.min(sa, sb); position < end; ) {
      const length = Math.min(ba.length, end - position);
      const [ra, rb] = [readSync(fa, ba, 0, length, position), readSync(fb, bb, 0, length, position)];
      if (ra !== length || rb !== length || ba.compare(bb, 0, length, 0, length) !== 0) return "diverged";
      position += length;
    }
    return sa === sb ? "same" : sa < sb ? "grown" : "ahead";
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

/**
 * Appends to the local annotations the pulled lines it does not have, in their order, with one
 * write: the result is every local line, then every new pulled one, and an `exprag tag` running
 * meanwhile loses nothing. Returns how many lines were added.
 */
export function mergeAnnotations(staged: string, target: string): number {
  const pulled: string[] = [];
  forEachLine(staged, (text) => {
    if (text) pulled.push(text);
    return undefined;
  });
  return appendMissingLines(target, pulled);
}

/** Removes a staged file that was not used. */
export function discard(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already moved into place, or never written
  }
}
