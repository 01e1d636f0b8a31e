/**
 * Which files a run may have left, told by the kernel while it runs (inotify(7), Linux) instead of
 * asked of every file at its end: each folder the outputs search looks into is watched from before
 * the command starts, and at its end only the files named by an event, and the folders that
 * appeared, are looked at, with the same test as the whole search. When the kernel cannot say for
 * sure the answer is null and the whole tree is searched: no inotify, a watch refused (the limit of
 * watches), more folders than watchCap(), events lost (the queue overflowed), a folder on a file system other machines write to
 * (NFS, Lustre, FUSE...), or mounts under the tree that came or went during the run. Refused or too
 * many, every watch taken is given back at once: the user's watches are shared with editors and other runs.
 */
import { closeSync, type Dirent, lstatSync, readdirSync, readFileSync, readSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { isErrno } from "../errors";
import { mountHolding, mountTable } from "../os/mounts";
import { isAtOrUnder } from "../os/paths";
import { inotifyAddWatch, inotifyInit, inotifyRmWatch } from "../os/posix";
import type { FolderRule } from "./output-folders";

// linux/inotify.h
const IN_MODIFY = 0x2;
const IN_ATTRIB = 0x4;
const IN_CLOSE_WRITE = 0x8;
const IN_MOVED_TO = 0x80;
const IN_CREATE = 0x100;
const IN_UNMOUNT = 0x2000;
const IN_Q_OVERFLOW = 0x4000;
const IN_ONLYDIR = 0x1000000;
const IN_DONT_FOLLOW = 0x2000000;
const IN_ISDIR = 0x40000000;
/** A file written, closed after writing (a memory-mapped writer too), changed in its times or mode, made, or moved in. */
const WATCHED = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW;

/**
 * File systems whose changes all pass through this machine's kernel, where inotify sees every
 * write (statfs(2) names; /proc/self/mountinfo spells them so).
 */
const LOCAL_FILE_SYSTEMS = new Set(["ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "ramfs", "overlay", "zfs", "f2fs", "jfs", "reiserfs", "bcachefs"]);

/**
 * File systems where a folder's link count is 2 plus its subfolders: one with 2 links has none,
 * and need not be listed to be watched whole. (btrfs and overlay do not count so; ext4 says 1 past 65,000.)
 */
const COUNTING_FILE_SYSTEMS = new Set(["ext2", "ext3", "ext4", "xfs", "tmpfs", "ramfs"]);

/**
 * At most this many folders are watched: each watch holds kernel memory and counts against the
 * user's limit (shared with editors and other watchers) for as long as the run lasts. A bigger
 * tree is searched whole.
 */
export const MAX_WATCHED_FOLDERS = 10_000;

/** The folders one run may watch: MAX_WATCHED_FOLDERS, and never more than a quarter of the user's watch limit. */
export function watchCap(limitFile = "/proc/sys/fs/inotify/max_user_watches"): number {
  let limit = Number.NaN;
  try {
    limit = Number.parseInt(readFileSync(limitFile, "utf8"), 10);
  } catch {}
  return Number.isFinite(limit) && limit > 0 ? Math.min(MAX_WATCHED_FOLDERS, Math.floor(limit / 4)) : MAX_WATCHED_FOLDERS;
}

/** What the run touched: files (relative paths) to test, and folders to search whole (they appeared, or could not be watched). */
export interface OutputChanges {
  files: Set<string>;
  folders: Set<string>;
}

/** How often the queue of events is read while the command runs, so a busy command does not overflow it. */
export const DRAIN_EVERY_MS = 200;

/** Folders watched under a root, and what the kernel says happened in them. */
export class OutputsWatch {
  private readonly paths = new Map<number, string>();
  /** What the kernel said so far; folders not watched (unreadable, or holding installed code when watching began) start it. */
  private readonly seen: OutputChanges = { files: new Set(), folders: new Set() };
  /** Some change may have gone untold: events lost, a watched mount gone, or the queue unreadable. */
  private lost = false;
  private closed = false;
  private readonly buffer = Buffer.alloc(64 * 1024);
  private timer: ReturnType<typeof setInterval> | null = null;

  private constructor(
    private readonly fd: number,
    private readonly root: string,
    private readonly mounts: WatchedMounts,
    private readonly maxFolders: number,
    private readonly addWatch: typeof inotifyAddWatch,
  ) {}

  /**
   * Watches every folder under `root` the outputs search looks into (`rule` says which), or
   * null where the kernel cannot be relied on to tell every change. The queue is read every
   * DRAIN_EVERY_MS from then on, without keeping the process alive.
   */
  static start(root: string, rule: FolderRule, maxFolders = watchCap(), addWatch: typeof inotifyAddWatch = inotifyAddWatch): OutputsWatch | null {
    const mounts = mountsUnder(root);
    if (mounts === null) return null;
    const fd = inotifyInit();
    if (fd === null) return null;
    const watch = new OutputsWatch(fd, root, mounts, maxFolders, addWatch);
    if (!watch.watchTree(root, "", rule)) {
      watch.close();
      return null;
    }
    watch.timer = setInterval(() => watch.drain(), DRAIN_EVERY_MS);
    watch.timer.unref();
    return watch;
  }

  /**
   * Watches `folder` before listing it, so nothing made in it meanwhile goes unseen; false: a watch
   * refused, or too many. A folder with no subfolder is watched without being listed: at the end
   * each file an event names is tested with every folder on its way, so an environment is told then.
   */
  private watchTree(folder: string, prefix: string, rule: FolderRule): boolean {
    if (this.paths.size >= this.maxFolders) return false;
    const wd = this.addWatch(this.fd, folder, WATCHED);
    if (wd === null) return false;
    const seen = this.paths.get(wd);
    if (seen !== undefined) {
      // The same folder by a second path (a bind mount): its events name only one, so both are searched whole.
      this.seen.folders.add(seen).add(prefix);
      return true;
    }
    this.paths.set(wd, prefix);
    if (this.mounts.counted && leafFolder(folder)) return true;
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      this.seen.folders.add(prefix);
      return true;
    }
    // Installed code (here, or by name below) today may not be so at the end: looked at again then.
    if (prefix && !rule.listed(folder, entries)) {
      this.paths.delete(wd);
      inotifyRmWatch(this.fd, wd);
      this.seen.folders.add(prefix);
      return true;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = join(folder, entry.name);
      if (!rule.named(entry.name, full)) this.seen.folders.add(path);
      else if (!this.watchTree(full, path, rule)) return false;
    }
    return true;
  }

  /** Reads every event queued so far into what was seen. */
  drain(): void {
    if (this.lost || this.closed) return;
    const buffer = this.buffer;
    for (;;) {
      let bytes: number;
      try {
        bytes = readSync(this.fd, buffer);
      } catch (error) {
        if (!isErrno(error, "EAGAIN")) this.lost = true; // EAGAIN: all read
        return;
      }
      if (bytes <= 0) return;
      for (let at = 0; at + 16 <= bytes; ) {
        const wd = buffer.readInt32LE(at);
        const mask = buffer.readUInt32LE(at + 4);
        const length = buffer.readUInt32LE(at + 12);
        const nameEnd = buffer.indexOf(0, at + 16);
        const name = buffer.toString("utf8", at + 16, nameEnd < 0 || nameEnd > at + 16 + length ? at + 16 + length : nameEnd);
        at += 16 + length;
        if (mask & (IN_Q_OVERFLOW | IN_UNMOUNT)) {
          this.lost = true;
          return;
        }
        const folder = this.paths.get(wd);
        if (folder === undefined || !name) continue;
        const path = folder ? `${folder}/${name}` : name;
        if (mask & IN_ISDIR) {
          if (mask & (IN_CREATE | IN_MOVED_TO)) this.seen.folders.add(path);
        } else this.seen.files.add(path);
      }
    }
  }

  /** What happened since watching began, and stops watching; null when some change may have gone untold. */
  changes(): OutputChanges | null {
    try {
      this.drain();
      return !this.lost && mountsUnder(this.root)?.list === this.mounts.list ? this.seen : null;
    } finally {
      this.close();
    }
  }

  /** Stops watching, giving the watches back. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.closed) return; // its number may belong to another file by now
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {}
  }
}

/** A folder with no subfolder, as its link count tells. */
function leafFolder(folder: string): boolean {
  try {
    const stat = lstatSync(folder);
    return stat.isDirectory() && stat.nlink === 2;
  } catch {
    return false;
  }
}

/** The mounts at and under a folder; `counted`: all of them count subfolders in links (COUNTING_FILE_SYSTEMS). */
interface WatchedMounts {
  /** Each line: mount point and file system type. */
  list: string;
  counted: boolean;
}

/**
 * The mounts at and under `root`, or null when one of them is not a local file system, or the
 * mount table (`table`) cannot be read.
 */
export function mountsUnder(root: string, table = mountTable()): WatchedMounts | null {
  let top: string;
  try {
    top = realpathSync(root);
  } catch {
    return null;
  }
  const holder = table && mountHolding(table, top);
  if (!holder || !LOCAL_FILE_SYSTEMS.has(holder.type)) return null;
  const under = table!.filter((mount) => mount.point !== top && isAtOrUnder(mount.point, top));
  if (under.some((mount) => !LOCAL_FILE_SYSTEMS.has(mount.type))) return null;
  const mounts = [holder, ...under];
  return { list: mounts.map((mount) => `${mount.point} ${mount.type}`).join("\n"), counted: mounts.every((mount) => COUNTING_FILE_SYSTEMS.has(mount.type)) };
}
