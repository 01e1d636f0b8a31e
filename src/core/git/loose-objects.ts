/**
 * git's loose objects read in process: one file under objects/, zlib, `<type> <size>\0<body>`.
 * Reading a handful of small trees this way spares starting `git cat-file` (which maps and unmaps
 * each object file); anything else (a packed object, another object store) is left to git.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Repository } from "./repository";

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
