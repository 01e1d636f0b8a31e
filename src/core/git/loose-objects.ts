/**
 * git's loose objects read and written in process: one file under objects/, zlib,
 * `<type> <size>\0<body>`. Reading and writing a handful of small trees this way spares starting
 * `git cat-file` (which maps and unmaps each object file) and `git hash-object`; anything else (a
 * packed object, another object store, a shared repository's permissions, fsync asked for) is left to git.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Repository } from "./repository";

/** Where the repository's own loose objects are, or null when git's variables put them elsewhere. */
export function objectsFolder(repo: Repository, env: NodeJS.ProcessEnv): string | null {
  const common = env.GIT_OBJECT_DIRECTORY ? null : commonFolder(repo, env);
  return common === null ? null : join(common, "objects");
}

/**
 * The folder a linked worktree shares with the main one (objects, branches, config), the git
 * directory itself for the main one; null when git's variables put it elsewhere.
 */
export function commonFolder(repo: Repository, env: NodeJS.ProcessEnv): string | null {
  if (env.GIT_DIR || env.GIT_COMMON_DIR) return null;
  const commondir = join(repo.gitDir, "commondir");
  if (!existsSync(commondir)) return repo.gitDir;
  try {
    return resolve(repo.gitDir, readFileSync(commondir, "utf8").trim());
  } catch {
    return null;
  }
}

/** The body of loose object `oid` (SHA-1) when it is a loose `type` whose content hashes to `oid`; else null. */
export function readLooseObject(objects: string, oid: string, type: string): Buffer | null {
  let stored: Buffer;
  try {
    stored = readFileSync(join(objects, oid.slice(0, 2), oid.slice(2)));
  } catch {
    return null; // packed, or absent
  }
  let whole: Buffer;
  try {
    whole = Buffer.from(Bun.inflateSync(stored as Uint8Array<ArrayBuffer>, { windowBits: 15 }));
  } catch {
    return null;
  }
  const nul = whole.indexOf(0);
  if (nul < 0 || whole.toString("latin1", 0, nul) !== `${type} ${whole.length - nul - 1}`) return null;
  const hasher = new Bun.CryptoHasher("sha1");
  hasher.update(whole);
  return hasher.digest("hex") === oid ? whole.subarray(nul + 1) : null;
}

/**
 * Stores `body` as loose object `oid` of `type` (its id computed by the caller), as git does: a
 * read-only temporary file beside it, linked into place; an object already there is only freshened.
 */
export function writeLooseObject(objects: string, oid: string, type: string, body: Buffer): void {
  const folder = join(objects, oid.slice(0, 2));
  const file = join(folder, oid.slice(2));
  if (existsSync(file)) {
    const now = new Date();
    utimesSync(file, now, now);
    return;
  }
  mkdirSync(folder, { recursive: true });
  const whole = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
  const temporary = join(folder, `tmp_obj_exprag_${process.pid}_${Math.random().toString(36).slice(2)}`);
  writeFileSync(temporary, zlibStream(whole), { mode: 0o444, flag: "wx" });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/** `data` as a zlib stream (RFC 1950), as git stores an object: Bun's deflate gives the raw stream only. */
function zlibStream(data: Buffer): Buffer {
  const stream = Buffer.concat([Buffer.from([0x78, 0x01]), Bun.deflateSync(data as Uint8Array<ArrayBuffer>), Buffer.alloc(4)]);
  stream.writeUInt32BE(Number(Bun.hash.adler32(data)), stream.length - 4);
  return stream;
}
