/**
 * One push or pull at a time in a store: both move the store's refs under refs/exprag/ and write
 * its files, and two at once refuse each other's ref updates. A second one waits for the first;
 * a lock whose holder died (on this host) is taken over. A store that does not exist yet (a first
 * pull) has nothing to race over until the pull makes it, so that pull takes no lock.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { EXIT, isErrno, UserError } from "../errors";
import { pidAlive } from "../os/processes";

/** How long a push or pull waits for another one in the same store. */
const WAIT_MS = 10 * 60_000;
const RETRY_MS = 25;

interface Holder {
  pid: number;
  host: string;
  what: string;
}

export async function withRemoteLock<T>(store: string, what: string, warn: (message: string) => void, work: () => Promise<T>): Promise<T> {
  if (!existsSync(store)) return work();
  const path = join(store, "remote.lock");
  const deadline = Date.now() + WAIT_MS;
  let told = false;
  for (;;) {
    if (take(path, what)) break;
    const holder = readHolder(path);
    if (holder && holder.host === hostname() && !pidAlive(holder.pid)) {
      rmSync(path, { force: true });
      continue;
    }
    const named = holder ? `${holder.what} (pid ${holder.pid} on ${holder.host})` : "another push or pull";
    if (Date.now() > deadline)
      throw new UserError(
        `${named} has held ${path} for over ${WAIT_MS / 60_000} minutes`,
        EXIT.failure,
        "if it no longer runs, remove that file and try again",
      );
    if (!told) warn(`waiting for ${named} in this store to finish`);
    told = true;
    await Bun.sleep(RETRY_MS);
  }
  try {
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}

function take(path: string, what: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if (isErrno(error, "EEXIST")) return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), what } satisfies Holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The holder the lock file names; null while it is being written, or when it is not ours. */
function readHolder(path: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as Partial<Holder>;
    return Number.isSafeInteger(holder.pid) && typeof holder.host === "string" && typeof holder.what === "string" ? (holder as Holder) : null;
  } catch {
    return null;
  }
}
