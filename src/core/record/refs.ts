/**
 * Run references, as every command that takes `<run>` understands them: the full id, a unique
 * prefix of it, the short id `ls` shows (the last 8 hex digits, the random part of the UUIDv7),
 * `latest`, and `latest~N` (the Nth run before the latest).
 */
import { closeSync, existsSync, readdirSync, statSync } from "node:fs";
import { EXIT, errnoReason, UserError } from "../errors";
import { runFilePath, runsDir } from "../store";
import { firstLineOf, type OpenedFile, openRegular, readRunStart, runStartOf } from "./reader";
import { RUN_ID } from "./untrusted";

export interface RunLocation {
  runId: string;
  file: string;
}

export { RUN_ID };

export const isUuidV7 = (runId: string) => runId[14] === "7";

/** The creation time of a UUIDv7, in ms since the epoch: its first 48 bits. */
export function runIdTime(runId: string): number {
  return Number.parseInt(runId.replace(/-/g, "").slice(0, 12), 16);
}

/**
 * When a run started, for ordering: a UUIDv7 carries it; the original exprag's UUIDv4 ids do not,
 * so their run_start's created_at is read (else the file's modification time).
 */
function startTime(store: string, runId: string): number {
  if (isUuidV7(runId)) return runIdTime(runId);
  const file = runFilePath(store, runId);
  try {
    const start = readRunStart(file);
    const time = start ? Date.parse(String(start.created_at)) : Number.NaN;
    return Number.isNaN(time) ? statSync(file).mtimeMs : time;
  } catch {
    return 0;
  }
}

/** Run ids in the store, oldest first by start time: files named `<uuid>.jsonl` only. */
export function listRunIds(store: string): string[] {
  const dir = runsDir(store);
  if (!existsSync(dir)) {
    // A store that is a file (.exprag made by hand, a config's dir naming one) is no empty store.
    if (existsSync(store) && !statSync(store).isDirectory())
      throw new UserError(`the store ${store} is not a folder`, EXIT.failure, "move the file out of the way, or name another store with --dir or EXPRAG_DIR");
    return [];
  }
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new UserError(`cannot read the store's runs folder ${dir} (${errnoReason(error)})`, EXIT.failure);
  }
  // A plain loop: a store holds tens of thousands of names, and every query lists them.
  const ids: string[] = [];
  for (const name of names) {
    if (!name.endsWith(".jsonl")) continue;
    const id = name.slice(0, -".jsonl".length);
    if (RUN_ID.test(id)) ids.push(id);
  }
  ids.sort();
  if (ids.every(isUuidV7)) return ids;
  const times = new Map(ids.map((id) => [id, startTime(store, id)]));
  return ids.sort((a, b) => times.get(a)! - times.get(b)! || (a < b ? -1 : 1));
}

/** The last 8 characters of the id without its dashes (a UUID's last group has 12: no dash to take out). */
export function shortId(runId: string): string {
  const last = runId.slice(-8);
  return last.includes("-") ? runId.replace(/-/g, "").slice(-8) : last;
}

export function resolveRunRef(store: string, reference: string, ids = listRunIds(store)): RunLocation {
  const found = (runId: string) => ({ runId, file: runFilePath(store, runId) });
  const latest = /^latest(?:~(\d+))?$/.exec(reference);
  if (latest) {
    const back = Number(latest[1] ?? 0);
    const runId = ids[ids.length - 1 - back];
    if (!runId) {
      throw new UserError(
        ids.length === 0 ? `no runs in ${store}` : `${reference}: there are only ${ids.length} runs`,
        EXIT.failure,
        ids.length === 0 ? "start one with: exprag run -- <command>" : undefined,
      );
    }
    return found(runId);
  }
  const wanted = reference.toLowerCase();
  if (!/^[0-9a-f-]+$/.test(wanted) || wanted.replace(/-/g, "").length < 4) {
    throw new UserError(
      `'${reference}' is not a run reference`,
      EXIT.usage,
      "use a run id, a prefix of at least 4 hex digits, its short id, latest, or latest~N",
    );
  }
  if (ids.includes(wanted)) return found(wanted);
  const compact = wanted.replace(/-/g, "");
  const matches = ids.filter((id) => {
    const idCompact = id.replace(/-/g, "");
    return id.startsWith(wanted) || idCompact.startsWith(compact) || (compact.length === 8 && idCompact.endsWith(compact));
  });
  if (matches.length === 1) return found(matches[0]!);
  if (matches.length === 0) throw new UserError(`no run matches '${reference}' in ${store}`, EXIT.failure, "see exprag ls");
  const shown = matches.slice(0, 10).join(", ");
  throw new UserError(`'${reference}' matches ${matches.length} runs: ${shown}${matches.length > 10 ? ", ..." : ""}`, EXIT.failure, "give more of the id");
}

/**
 * resolveRunRef for a command about one run (show, tag, keep, wait, checkout...): a file named like
 * a run that holds none, which `ls` skips, is refused in one line. `latest~N` counts it all the same.
 */
export function resolveReadableRun(store: string, reference: string): RunLocation {
  const location = resolveRunRef(store, reference);
  const why = whyNotARun(location.file);
  if (why !== null) throw notARunError(location.file, why);
  return location;
}

export function notARunError(file: string, why: string): UserError {
  return new UserError(`${file} is not a readable run file (${why})`, EXIT.failure, "exprag ls lists the runs it can read");
}

/**
 * Why a run file holds no run, or null when it does: it is a regular file, and empty (a run whose
 * first write never landed) or begins with a run_start record. ls lists the same files.
 */
export function whyNotARun(file: string): string | null {
  let opened: OpenedFile;
  try {
    opened = openRegular(file);
  } catch (error) {
    return errnoReason(error);
  }
  try {
    return opened.size === 0 || runStartOf(firstLineOf(opened)) ? null : "no run_start record";
  } catch (error) {
    return errnoReason(error);
  } finally {
    closeSync(opened.fd);
  }
}
