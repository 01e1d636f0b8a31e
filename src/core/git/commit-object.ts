/**
 * A snapshot's commit, made in process as a loose object where that is byte for byte the object
 * `git commit-tree` would write (one git process fewer per snapshot), else by commit-tree itself:
 * where git's variables or config would change its bytes or how it is stored (a date from the
 * environment, another time zone than this process's, i18n.commitEncoding, shared permissions,
 * fsync), where git would rewrite the message (text it takes for not UTF-8), where objects are not
 * SHA-1, or where there is no C library to tell the local time as git reads it.
 */
import { libcTimeZone, utcOffsetSeconds } from "../os/posix";
import { objectsFolder, writeLooseObject } from "./loose-objects";
import { ownWrites } from "./own-writes";
import type { Git, Repository } from "./repository";

const SNAPSHOT_IDENTITY = { name: "exprag", email: "exprag@localhost" };

/** Writes the snapshot commit of `tree` (on HEAD, if any) with `message`, and answers its id. */
export function writeSnapshotCommit(git: Git, repo: Repository, tree: string, message: string): string {
  const objects = inProcessCommits(git, repo, tree, message);
  const stamp = objects === null ? null : snapshotStamp(git.env);
  if (objects !== null && stamp !== null) {
    const body = commitBody(tree, repo.head, message, stamp);
    const oid = commitId(body);
    try {
      writeLooseObject(objects, oid, "commit", body);
      return oid;
    } catch {
      // left to git
    }
  }
  return git.text(["commit-tree", "--no-gpg-sign", tree, ...(repo.head ? ["-p", repo.head] : []), "-m", message], { extraEnv: snapshotIdentityEnv() });
}

/** Where the commit may be written in process (the objects folder), or null where only commit-tree makes it the same. */
function inProcessCommits(git: Git, repo: Repository, tree: string, message: string): string | null {
  const env = git.env;
  if (tree.length !== 40 || (repo.head !== null && repo.head.length !== 40)) return null;
  if (!gitKeepsMessage(message)) return null;
  const objects = objectsFolder(repo, env);
  return objects !== null && ownWrites(git, repo).commits ? objects : null;
}

/**
 * exprag's identity and the time now, as git writes them in a commit or a reflog entry:
 * `exprag <exprag@localhost> <seconds> <±hhmm>`. Null where git would tell another time: a date
 * from the environment, a time zone other than the one the C library here reads, or no C library.
 */
export function snapshotStamp(env: NodeJS.ProcessEnv): string | null {
  if (env.GIT_AUTHOR_DATE !== undefined || env.GIT_COMMITTER_DATE !== undefined || env.TZ !== libcTimeZone()) return null;
  const seconds = Math.floor(Date.now() / 1000);
  const offset = utcOffsetSeconds(seconds);
  return offset === null ? null : `${SNAPSHOT_IDENTITY.name} <${SNAPSHOT_IDENTITY.email}> ${seconds} ${zone(Math.trunc(offset / 60))}`;
}

/** The commit object commit-tree writes: tree, parent, author and committer (`stamp`), a blank line, the message ended by a newline. */
function commitBody(tree: string, parent: string | null, message: string, stamp: string): Buffer {
  const text = message.length === 0 || message.endsWith("\n") ? message : `${message}\n`;
  return Buffer.from(`tree ${tree}\n${parent ? `parent ${parent}\n` : ""}author ${stamp}\ncommitter ${stamp}\n\n${text}`);
}

function zone(offsetMinutes: number): string {
  const minutes = Math.trunc(Math.abs(offsetMinutes));
  const sign = offsetMinutes < 0 ? "-" : "+";
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}${String(minutes % 60).padStart(2, "0")}`;
}

function commitId(body: Buffer): string {
  const hasher = new Bun.CryptoHasher("sha1");
  hasher.update(`commit ${body.length}\0`);
  hasher.update(body);
  return hasher.digest("hex");
}

/**
 * Whether git stores `message` as it is: commit-tree takes text with a lone surrogate, a
 * noncharacter (U+FDD0 to U+FDEF, U+xxFFFE, U+xxFFFF) or a NUL for not UTF-8 and rewrites it.
 */
function gitKeepsMessage(message: string): boolean {
  for (let i = 0; i < message.length; i++) {
    const unit = message.charCodeAt(i);
    if (unit === 0 || (unit >= 0xfdd0 && unit <= 0xfdef)) return false;
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = message.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false; // a lone surrogate
      if ((((unit - 0xd800) << 10) | (next - 0xdc00)) % 0x10000 >= 0xfffe) return false; // U+xxFFFE, U+xxFFFF
      i++;
      continue;
    }
    if (unit >= 0xfffe) return false;
  }
  return true;
}

/** commit-tree's and update-ref's identity: a snapshot and its branch are exprag's, whoever the user is. */
export function snapshotIdentityEnv(): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: SNAPSHOT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: SNAPSHOT_IDENTITY.email,
    GIT_COMMITTER_NAME: SNAPSHOT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: SNAPSHOT_IDENTITY.email,
  };
}
