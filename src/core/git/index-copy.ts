/**
 * exprag's temporary copies of a repository's index, made beside it in the git directory (where a
 * split index finds its shared part): how one is named, made and removed, and which ones there
 * are. The owner of a copy is in its name (pid and start time), so gc can tell one in use.
 */
import { copyFileSync, readdirSync, rmSync, type Stats, statSync, utimesSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { liveness, readStartTicks } from "../os/processes";

/** `exprag-<pid>-<start ticks>-<name>.index`: the owner of a temporary index is in its name. */
const TEMP_INDEX = /^exprag-(\d+)-(\d+)-.+\.index(\.lock)?$/;

/** A copy of the index, and how it is removed. */
export interface IndexCopy {
  index: string;
  remove: () => void;
}

/** A copy of `index` in `gitDir`, with its timestamps (git's stat cache stays valid for it); `name` tells it apart. */
export function copyIndexInto(gitDir: string, index: string, name: string): IndexCopy {
  const copy = join(gitDir, `exprag-${process.pid}-${readStartTicks(process.pid) ?? 0}-${name}.index`);
  const remove = () => {
    rmSync(copy, { force: true });
    rmSync(`${copy}.lock`, { force: true });
  };
  try {
    copyWithTimes(index, copy);
    return { index: copy, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

function copyWithTimes(from: string, to: string): void {
  let stat: Stats;
  try {
    stat = statSync(from);
  } catch {
    return; // no index yet: git starts an empty one
  }
  copyFileSync(from, to);
  utimesSync(to, stat.atime, stat.mtime);
}

/** A temporary index in the git directory, and whether the exprag that made it still lives. */
export interface TemporaryIndex {
  path: string;
  /** "dead": its owner is gone, it may go; "alive": in use; "unknown": no owner in its name (an older exprag's). */
  owner: "dead" | "alive" | "unknown";
}

/**
 * Temporary indexes exprag made in the git directory. One is judged by the owner its name
 * records (pid and start time), never by its age: an index copy keeps the real index's old
 * timestamps, so a snapshot in progress can look old.
 */
export function temporaryIndexes(gitDir: string): TemporaryIndex[] {
  return readdirSync(gitDir)
    .filter((name) => /^exprag-.*\.index(\.lock)?$/.test(name))
    .map((name) => {
      const owner = TEMP_INDEX.exec(name);
      const state = owner ? liveness({ host: hostname(), pid: Number(owner[1]), boot_id: null, start_ticks: Number(owner[2]) || null }) : "unknown";
      return { path: join(gitDir, name), owner: state === "dead" ? "dead" : owner ? "alive" : "unknown" };
    });
}
