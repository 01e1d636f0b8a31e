/**
 * git's loose objects read and written in process: one file under objects/, zlib,
 * `<type> <size>\0<body>`. Reading and writing a handful of small trees this way spares starting
 * `git cat-file` (which maps and unmaps each object file) and `git hash-object`; anything else (a
 * packed object, another object store, a shared repository's permissions, fsync asked for) is left to git.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Git, Repository } from "./repository";

/** Where the repository's own loose objects are, or null when git's variables put them elsewhere. */
export function objectsFolder(repo: Repository, env: NodeJS.ProcessEnv): string | null {
  if (env.GIT_OBJECT_DIRECTORY || env.GIT_DIR || env.GIT_COMMON_DIR) return null;
  let common = repo.gitDir;
  const commondir = join(repo.gitDir, "commondir");
  if (existsSync(commondir)) {
    try {
      common = resolve(repo.gitDir, readFileSync(commondir, "utf8").trim());
    } catch {
      return null;
    }
  }
  return join(common, "objects");
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
 * Whether objects may be written here as git writes them by default: not when git's config, from
 * wherever git reads it (system, global, the repository's, includes, `-c`), asks for shared
 * permissions or for fsync, which git honours and this does not. `commits`: also commits as
 * commit-tree writes them, which i18n.commitEncoding changes. Asked once per repository opened.
 */
export function looseWriting(git: Git): LooseWriting {
  let known = asked.get(git);
  if (known === undefined) {
    known = looseWritingOf(git.run(CONFIG_QUESTION));
    asked.set(git, known);
  }
  return known;
}

/** `looseWriting`'s question asked by a git process that goes on while other work does; answered once it is done. */
export async function askLooseWriting(git: Git): Promise<void> {
  if (asked.has(git)) return;
  const answer = looseWritingOf(await git.start(CONFIG_QUESTION));
  if (!asked.has(git)) asked.set(git, answer);
}

interface LooseWriting {
  objects: boolean;
  commits: boolean;
}

const CONFIG_QUESTION = ["config", "--name-only", "--get-regexp", "^(core\\.(sharedrepository|fsync)|i18n\\.commitencoding)"];

function looseWritingOf(result: { code: number; stdout: Buffer }): LooseWriting {
  const names = result.stdout.toString().split("\n");
  // 1: none set
  const objects = result.code === 1 || (result.code === 0 && !names.some((name) => name.startsWith("core.")));
  return { objects, commits: objects && result.code === 1 };
}

const asked = new WeakMap<Git, LooseWriting>();

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
