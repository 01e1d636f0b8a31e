/**
 * Git object ids computed here, without git: a file's blob id and a tree's id, so that telling
 * which runs changed since they were last committed costs a read of their files and no process.
 */
import { closeSync, fstatSync, readSync } from "node:fs";
import { isErrno } from "../errors";
import type { Git } from "../git/repository";
import { openRegularFile } from "../record/reader";

export type ObjectFormat = "sha1" | "sha256";

export function objectFormat(git: Git): ObjectFormat {
  return git.text(["rev-parse", "--show-object-format"]) === "sha256" ? "sha256" : "sha1";
}

/** A version of a file as git would store it: its first `size` bytes and their blob id. */
export interface FileVersion {
  path: string;
  size: number;
  id: string;
  /** The file hashed (`dev:ino`): one put in its place since (a queued point's run) holds other bytes. */
  file: string;
  /** The bytes to store when they are not the file's own (hashLines: its lines in their canonical order). */
  content?: Buffer;
}

/** A file's identity in FileVersion. */
export const fileIdentity = (stat: { dev: bigint; ino: bigint }) => `${stat.dev}:${stat.ino}`;

const CHUNK = 256 * 1024;

/**
 * The blob id of a file as it is now; null when there is no such file. With `wholeLines`, only
 * up to its last newline: a run still being written may be in the middle of a record. The file
 * may grow meanwhile (run files and logs are appended to); its first `size` bytes stay as hashed.
 * `follow` false: a link is refused (what is pushed: one planted in a copied store could name any file).
 */
export function hashFile(path: string, format: ObjectFormat, wholeLines = false, follow = true): FileVersion | null {
  const fd = openIfThere(path, follow);
  if (fd === null) return null;
  try {
    const stat = fstatSync(fd, { bigint: true });
    let size = Number(stat.size);
    if (wholeLines) size = lastNewlineEnd(fd, size);
    const hasher = new Bun.CryptoHasher(format);
    hasher.update(`blob ${size}\0`);
    const buffer = Buffer.allocUnsafe(CHUNK);
    let position = 0;
    while (position < size) {
      const bytes = readSync(fd, buffer, 0, Math.min(CHUNK, size - position), position);
      if (bytes === 0) throw new Error(`${path} got shorter while it was read`);
      hasher.update(buffer.subarray(0, bytes));
      position += bytes;
    }
    return { path, size, id: hasher.digest("hex"), file: fileIdentity(stat) };
  } finally {
    closeSync(fd);
  }
}

/** Where the file's last whole line ends (0 when it holds no newline). */
function lastNewlineEnd(fd: number, size: number): number {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - buffer.length);
    const bytes = readSync(fd, buffer, 0, end - start, start);
    const at = buffer.subarray(0, bytes).lastIndexOf(10);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

/** A tree entry: a name and the blob id it holds (exprag's trees hold plain files only). */
export type TreeEntries = Map<string, string>;

/** The id of the tree holding these files (mode 100644). */
export function treeId(entries: TreeEntries, format: ObjectFormat): string {
  const names = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const body = Buffer.concat(names.map((name) => Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from(entries.get(name)!, "hex")])));
  return new Bun.CryptoHasher(format).update(`tree ${body.length}\0`).update(body).digest("hex");
}

/**
 * The regular files of a raw tree object, by name. Anything else a tree may hold (a folder, a
 * link, a submodule, an executable) is left out: a run's tree from a remote is untrusted.
 */
export function parseTree(raw: Buffer, format: ObjectFormat): TreeEntries {
  const idBytes = format === "sha256" ? 32 : 20;
  const entries: TreeEntries = new Map();
  for (let at = 0; at < raw.length; ) {
    const space = raw.indexOf(32, at);
    const nul = raw.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + idBytes > raw.length) break;
    const mode = raw.toString("latin1", at, space);
    const name = raw.toString("utf8", space + 1, nul);
    if (mode === "100644") entries.set(name, raw.toString("hex", nul + 1, nul + 1 + idBytes));
    at = nul + 1 + idBytes;
  }
  return entries;
}

/**
 * The blob of a file of records each made at its own time, appended in whatever order they came
 * (annotations, project notes): each whole line once, ordered by its `created_at`, ties as the
 * file has them. It depends on which lines the file holds, not on the order two stores appended
 * them in, so stores that hold the same lines push the same blob, and pulling one another's
 * changes nothing. Null when there is no such file.
 */
export function hashLines(path: string, format: ObjectFormat, follow = true): FileVersion | null {
  const fd = openIfThere(path, follow);
  if (fd === null) return null;
  let text: string;
  let file: string;
  try {
    const stat = fstatSync(fd, { bigint: true });
    file = fileIdentity(stat);
    const bytes = Buffer.allocUnsafe(Number(stat.size));
    let read = 0;
    while (read < bytes.length) {
      const got = readSync(fd, bytes, read, bytes.length - read, read);
      if (got === 0) break;
      read += got;
    }
    text = bytes.toString("utf8", 0, read);
  } finally {
    closeSync(fd);
  }
  const whole = text.slice(0, text.lastIndexOf("\n") + 1).split("\n");
  const lines = [...new Set(whole.filter(Boolean))];
  const timeOf = (line: string) => /"created_at":"([^"\\]*)"/.exec(line)?.[1] ?? "";
  const times = new Map(lines.map((line) => [line, timeOf(line)]));
  lines.sort((a, b) => (times.get(a)! < times.get(b)! ? -1 : times.get(a)! > times.get(b)! ? 1 : 0));
  const content = Buffer.from(lines.map((line) => `${line}\n`).join(""));
  const hasher = new Bun.CryptoHasher(format);
  hasher.update(`blob ${content.length}\0`);
  hasher.update(content);
  return { path, size: content.length, id: hasher.digest("hex"), file, content };
}

/** The regular file at `path`, opened; null when there is none. */
function openIfThere(path: string, follow: boolean): number | null {
  try {
    return openRegularFile(path, follow);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
}
