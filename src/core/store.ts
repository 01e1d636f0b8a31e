/**
 * What the run store holds and where: `<store>/runs/<run_id>.jsonl` (records) and `<run_id>.log`
 * (output), `<store>/cache/` (what answers faster, safe to delete); which store applies here is
 * store-location.ts's question. It ignores itself for git with a `.gitignore` of `*`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, sep } from "node:path";
import { EXIT, errnoReason, UserError, usageError } from "./errors";
import { isStagedName, isSymlink, writeNewFile } from "./os/files";

export const STORE_DIR_NAME = ".exprag";

/**
 * Whether the store was named on purpose (--dir, EXPRAG_DIR) rather than found. A store named by
 * the project config counts as found: a cloned repository could commit that config.
 */
export const isExplicitStore = (flag: string | undefined, env: NodeJS.ProcessEnv) => Boolean(flag || env.EXPRAG_DIR);

/** The stores the front end was given by name this process (--dir, EXPRAG_DIR). */
const namedStores = new Set<string>();

/** Said by a front end of the store it was given by name: that one may lead elsewhere through a link. */
export function storeNamed(store: string): void {
  namedStores.add(store);
}

/**
 * Refuses a store that was found, not named, whose folder or runs/ is a symbolic link: a cloned
 * repository could commit one that points at another project's store.
 */
export function refuseLinkedStore(store: string, named = namedStores.has(store)): void {
  if (named) return;
  for (const path of [store, runsDir(store)]) {
    if (!isSymlink(path)) continue;
    throw new UserError(
      `${path} is a symbolic link: runs would be written wherever it points`,
      EXIT.internal,
      "remove it, or pass --dir DIR (or EXPRAG_DIR) to write there on purpose",
    );
  }
}

export const runsDir = (store: string) => join(store, "runs");
/**
 * A question about many runs asks for each one's path: the store's runs folder is joined once, and
 * a run id without a separator (every listed one) is appended as join would (a path.join per run cost
 * a tenth of `ls --all --json`).
 */
export function runFilePath(store: string, runId: string): string {
  if (store !== lastStore) {
    lastRuns = runsDir(store);
    lastStore = store;
  }
  return runId.includes("/") || runId.includes(sep) ? runFileIn(lastRuns, runId) : `${lastRuns}${sep}${runId}.jsonl`;
}
let lastStore: string | undefined;
let lastRuns = "";
/** runFilePath given the store's runs folder: for reading many runs, the folder is joined once. */
export const runFileIn = (runs: string, runId: string) => join(runs, `${runId}.jsonl`);
export const runLogPath = (store: string, runId: string) => join(runsDir(store), `${runId}.log`);
/**
 * The store's folder `name` that exprag writes into (`outputs`, `annotations`, `worktrees`):
 * refused when it is a link in a store that was found, as a cloned repository could commit one
 * pointing anywhere; exprag makes these folders itself. A named store's may lead anywhere.
 */
export function storeFolder(store: string, name: StoreFolder): string {
  refuseLinkedStore(store);
  const path = join(store, name);
  if (linkedStoreFolder(store, name))
    throw new UserError(
      `${path} is a symbolic link: exprag would write wherever it points`,
      EXIT.failure,
      "remove the link, or name the store with --dir DIR (or EXPRAG_DIR) to write there on purpose",
    );
  return path;
}

type StoreFolder = "outputs" | "annotations" | "worktrees";

/** Whether the store's folder `name` is a link exprag must not go through (see storeFolder). */
export const linkedStoreFolder = (store: string, name: StoreFolder): boolean => !namedStores.has(store) && isSymlink(join(store, name));

/** What the store keeps to answer faster, safe to delete (see query/series-cache.ts); never pushed. */
export const cacheDir = (store: string) => join(store, "cache");

/**
 * Creates the store and its runs folder (mode 0700: run files and logs hold output that may
 * contain secrets); fails with exit code 125 and the reason when it cannot. A store is a folder
 * of its own: never a repository's top, never a folder already holding other files (its
 * `.gitignore` of `*` would hide them from git). A store that was found, not named, must not
 * lead elsewhere through a symbolic link (a cloned repository could commit one); nothing is ever
 * written through a link.
 */
export function ensureStore(store: string, explicit: boolean): void {
  if (existsSync(join(store, ".git"))) {
    throw usageError(`the store ${store} would be the top of a git repository`, "give --dir a folder of its own, such as .exprag");
  }
  refuseLinkedStore(store, explicit || namedStores.has(store));
  // One listing decides: a run making the store at the same moment (a sweep's first runs) creates
  // runs/ before anything else, so it is never seen with other files but without runs/.
  const names = existsSync(store) ? readdirSafe(store) : [];
  // A cache/ is exprag's only beside the .gitignore exprag writes first: a folder of cache/ alone is someone else's.
  const ours = names.includes(".gitignore") ? [".gitignore", "cache"] : [];
  if (!names.includes("runs") && names.some((name) => !ours.includes(name))) {
    throw usageError(`${store} already holds other files; it is not an exprag store`, "give --dir a new folder, or one exprag made");
  }
  // A runs/ of someone else's (TensorBoard's, say) beside their files: exprag's .gitignore would hide those from git.
  // Files exprag is placing (a .gitignore another run writes this moment) are its own.
  if (!madeByExprag(store, names) && names.some((name) => !STORE_NAMES.includes(name) && !isStagedName(name))) {
    throw usageError(`${store} already holds files of its own beside runs/; it is not an exprag store`, "give --dir a new folder, or one exprag made");
  }
  try {
    mkdirSync(runsDir(store), { recursive: true, mode: 0o700 });
    // A store listed with its .gitignore keeps it: trying to create it again costs a thrown error, the first of the process.
    if (!names.includes(".gitignore")) writeNewFile(join(store, ".gitignore"), "*\n", 0o644);
  } catch (error) {
    throw storeError(store, error);
  }
}

/** What exprag keeps at a store's top. */
const STORE_NAMES = [".gitignore", "runs", "cache", "annotations", "outputs", "worktrees", "slurm", "project-notes.jsonl", "remote.lock"];

/** A store exprag made: named `.exprag`, or holding the `.gitignore` of `*` exprag writes in every store it makes. */
function madeByExprag(store: string, names: string[]): boolean {
  if (basename(store) === STORE_DIR_NAME) return true;
  // Another run making the store is writing its .gitignore: under a staged name until it is whole.
  if (names.some((name) => isStagedName(name) && name.startsWith("..gitignore."))) return true;
  if (!names.includes(".gitignore")) return false;
  try {
    return readFileSync(join(store, ".gitignore"), "utf8") === "*\n";
  } catch {
    return false;
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function storeError(store: string, error: unknown): UserError {
  const reason = errnoReason(error);
  if (reason === "ENOTDIR")
    return new UserError(
      `cannot write the run store ${store}: it, or a folder on its path, is a file`,
      undefined,
      "move the file out of the way, or name another store with --dir or EXPRAG_DIR",
    );
  return new UserError(`cannot write the run store ${store} (${reason})`, undefined, "choose a writable store with --dir DIR or EXPRAG_DIR");
}
