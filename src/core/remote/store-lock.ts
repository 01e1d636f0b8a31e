/**
 * One push or pull at a time in a store: both move the store's refs under refs/exprag/ and write
 * its files, and two at once refuse each other's ref updates. A second one waits for the first;
 * a lock whose holder died (on this host) is taken over. A store that does not exist yet (a first
 * pull) has nothing to race over until the pull makes it, so that pull takes no lock.
 */
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { EXIT, isErrno, UserError } from "../errors";
import { writeNewFile } from "../os/files";
import { pidAlive } from "../os/processes";

/** How long a push or pull waits for another one in the same store. */
const WAIT_MS = 10 * 60_000;
/** A takeover holds its guard for moments: a dead taker's guard older than this is left by it, not made anew. */
const GUARD_STALE_MS = 10_000;
const RETRY_MS = 25;

interface Holder {
  pid: number;
  host: string;
  what: string;
  /** Tells this holder's lock from a later one of the same process. */
  token: string;
}

export async function withRemoteLock<T>(store: string, what: string, warn: (message: string) => void, work: () => Promise<T>): Promise<T> {
  if (!existsSync(store)) return work();
  const path = join(store, "remote.lock");
  const deadline = Date.now() + WAIT_MS;
  const mine: Holder = { pid: process.pid, host: hostname(), what, token: Bun.randomUUIDv7() };
  let told = false;
  for (;;) {
    if (take(path, mine)) break;
    const holder = readHolder(path);
    if (holder && isDead(holder) && removeStale(path, holder)) continue;
    const named = holder ? `${holder.what} (pid ${holder.pid} on ${holder.host})` : "another push or pull";
    if (Date.now() > deadline)
      throw new UserError(
        `${named} has held ${path} for over ${WAIT_MS / 60_000} minutes`,
        EXIT.failure,
        `if it no longer runs, remove ${existsSync(`${path}.takeover`) ? `that file and ${path}.takeover` : "that file"} and try again`,
      );
    if (!told) warn(`waiting for ${named} in this store to finish`);
    told = true;
    await Bun.sleep(RETRY_MS);
  }
  try {
    return await work();
  } finally {
    if (sameHolder(readHolder(path), mine)) rmSync(path, { force: true });
  }
}

const isDead = (holder: Holder) => holder.host === hostname() && !pidAlive(holder.pid);
const sameHolder = (a: Holder | null, b: Holder) => a !== null && a.pid === b.pid && a.host === b.host && a.token === b.token;

/**
 * Takes the lock at `path` for `holder`: written whole under another name, then given its own,
 * never over another's (so no one finds a lock that names no holder, unless the file system has no
 * hard links and its taker died between the two). False when another holds it.
 */
function take(path: string, holder: Holder): boolean {
  try {
    return writeNewFile(path, JSON.stringify(holder), 0o600);
  } catch (error) {
    if (process.platform === "win32" && WINDOWS_BUSY.some((code) => isErrno(error, code))) return false;
    throw error;
  }
}

/** What Windows answers for a name another process still has open while it is deleted: held, for now. */
const WINDOWS_BUSY = ["EPERM", "EACCES", "EBUSY"];

/**
 * Removes the lock of `dead`, under a second lock: two waiters that both saw it dead must not
 * both remove it, the second taking away the lock the first has just taken in its place. False
 * when it could not be done now (another waiter is at it).
 */
function removeStale(path: string, dead: Holder): boolean {
  const guard = `${path}.takeover`;
  const taker: Holder = { pid: process.pid, host: hostname(), what: "a takeover", token: Bun.randomUUIDv7() };
  if (!take(guard, taker)) {
    if (abandonedGuard(guard)) rmSync(guard, { force: true });
    return false;
  }
  try {
    if (sameHolder(readHolder(path), dead)) rmSync(path, { force: true });
  } finally {
    if (sameHolder(readHolder(guard), taker)) rmSync(guard, { force: true });
  }
  return true;
}

/**
 * Whether a takeover guard was left by a waiter that died within its takeover (or one that names no
 * one: a taker killed while making it where there are no hard links). A live takeover holds its
 * guard for moments, so a guard that old is no waiter's fresh one. Its age is taken by the folder's
 * clock: the folder's modification time, which the taking tried just now has set.
 */
function abandonedGuard(guard: string): boolean {
  const other = readHolder(guard);
  if (other !== null && !isDead(other)) return false;
  const made = statSync(guard, { throwIfNoEntry: false })?.mtimeMs;
  const now = statSync(dirname(guard), { throwIfNoEntry: false })?.mtimeMs;
  return made !== undefined && now !== undefined && now - made > GUARD_STALE_MS;
}

/** The holder the lock file names; null when it is not ours (an older exprag's names no token). */
function readHolder(path: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as Partial<Holder>;
    if (!Number.isSafeInteger(holder.pid) || typeof holder.host !== "string" || typeof holder.what !== "string") return null;
    return { ...(holder as Holder), token: typeof holder.token === "string" ? holder.token : "" };
  } catch {
    return null;
  }
}
