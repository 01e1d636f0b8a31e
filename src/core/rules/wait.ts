/**
 * `exprag wait RUN... --until EXPR`: blocks until a condition holds for every run named, a run
 * ends without it, or the timeout passes. It does not poll the files in a loop: a change to a run
 * file wakes it (inotify, or the platform's equivalent), and a slow check (the heartbeat's
 * fallback) catches what no notification says: a writer that died (crashed), a file system that
 * does not notify (NFS), a run of another host, the clock in `elapsed`.
 */
import { existsSync, type FSWatcher, statSync, watch } from "node:fs";
import { EXIT } from "../errors";
import { liveness } from "../os/processes";
import { type ListedRun, listedRun } from "../query/listing";
import type { Warn } from "../query/records";
import { RunView } from "../query/run-view";
import { whereHolds } from "../query/selection";
import type { RunSummary } from "../query/summary";
import { ELAPSED, type Expr, operandsOf, parseCondition } from "../query/where";
import { resolveReadableRun, shortId } from "../record/refs";
import type { ProcessIdentity } from "../record/schema";
import { isUnended } from "../record/schema";
import { runFilePath } from "../store";
import { longTimeout } from "../time";
import { warnAbsentPaths } from "./absent-paths";

/** What `wait` waits for when no condition is given: the run has ended, however. */
export const DEFAULT_UNTIL = "status not in [running, pending]";
/** The fallback check: how often a run is looked at when no notification came. */
export const RECHECK_MS = 1000;

export interface WaitRequest {
  store: string;
  references: string[];
  /** The condition as written; the default when none is given. */
  until: string;
  timeoutMs: number | null;
}

export interface WaitedRun {
  /** Whether the condition held for this run when the wait ended. */
  held: boolean;
  /** As ls --json gives it. */
  run: ListedRun;
}

/** A run as each look sees it: whether the condition holds, and the run (its view has read its summary). */
type Looked = { held: boolean; view: RunView; status: RunSummary["status"] };

export interface WaitAnswer {
  /** held: for every run; ended: a run ended (or crashed) without it; timeout: the timeout passed first. */
  outcome: "held" | "ended" | "timeout";
  until: string;
  runs: WaitedRun[];
}

/** Parses the condition first, so a malformed one is a usage error before any waiting. */
export function parseUntil(text: string | undefined): { text: string; expr: Expr } {
  const until = text ?? DEFAULT_UNTIL;
  return { text: until, expr: parseCondition(until, "--until", "'status != running' or 'max(metrics.acc) > 0.9'") };
}

const ENDED = (status: RunSummary["status"]) => !isUnended(status);

export async function waitForRuns(request: WaitRequest, warn: Warn, recheckMs = RECHECK_MS): Promise<WaitAnswer> {
  const { expr, text } = parseUntil(request.until);
  const runs = [...new Set(request.references.map((reference) => resolveReadableRun(request.store, reference).runId))];
  const look = (): { outcome: WaitAnswer["outcome"] | null; runs: Looked[] } => {
    const waited: Looked[] = [];
    let deleted = false;
    for (const runId of runs) {
      const view = new RunView(request.store, runId, warn);
      const status = view.summary()?.status;
      if (status) waited.push({ held: whereHolds(view, expr), view, status });
      else if (!existsSync(view.file)) {
        // Deleted while waited for (exprag rm): it ended, without the condition, for good.
        warn(`run ${shortId(runId)} was deleted while waited for`);
        deleted = true;
      }
    }
    if (deleted) return { outcome: "ended", runs: waited };
    if (waited.length && waited.every((item) => item.held)) return { outcome: "held", runs: waited };
    if (waited.some((item) => !item.held && ENDED(item.status))) return { outcome: "ended", runs: waited };
    return { outcome: null, runs: waited };
  };
  const answer = (outcome: WaitAnswer["outcome"], waited: Looked[]): WaitAnswer => {
    // A run that ended without the condition: a path it never had is a typo more likely than a wait.
    if (outcome === "ended")
      for (const item of waited)
        if (!item.held && ENDED(item.status)) warnAbsentPaths(request.store, item.view.runId, [{ expr, option: `--until ${JSON.stringify(text)}` }], warn);
    return { outcome, until: text, runs: waited.map((item) => ({ held: item.held, run: listedRun(item.view) })) };
  };

  const watchers: FSWatcher[] = [];
  const cancels: (() => void)[] = [];
  let done = false;
  let wake: () => void = () => {};
  // Watching starts before the first look, so a record written in between still wakes it.
  for (const runId of runs) {
    try {
      watchers.push(watch(runFilePath(request.store, runId), { persistent: true }, () => wake()));
    } catch {
      // no notification here: the fallback check alone finds the change
    }
  }
  const stop = () => {
    done = true;
    for (const watcher of watchers) watcher.close();
    for (const cancel of cancels) cancel();
  };
  const first = look();
  if (first.outcome) {
    stop();
    return answer(first.outcome, first.runs);
  }
  const readsClock = operandsOf(expr).some((operand) => operand.text === ELAPSED);
  const quiet = new QuietRuns(request.store, runs, warn);
  return await new Promise<WaitAnswer>((resolve) => {
    const finish = (outcome: WaitAnswer["outcome"], waited: Looked[]) => {
      if (done) return;
      stop();
      resolve(answer(outcome, waited));
    };
    wake = () => {
      if (done) return;
      const now = look();
      if (now.outcome) finish(now.outcome, now.runs);
    };
    // The fallback: a file that changed unnoticed, a writer gone, or the clock the condition reads.
    const recheck = setInterval(() => {
      if (readsClock || quiet.changed()) wake();
    }, recheckMs);
    cancels.push(() => clearInterval(recheck));
    if (request.timeoutMs !== null) cancels.push(longTimeout(() => finish("timeout", look().runs), request.timeoutMs).clear);
  });
}

/**
 * Whether anything about the runs may have changed since the last look, cheaply: a file's size or
 * time, or its writer gone (this host), or its heartbeat late (another host).
 */
class QuietRuns {
  private readonly seen = new Map<string, string>();
  private readonly writers = new Map<string, { started: ProcessIdentity | null; heartbeatMs: number | null }>();

  constructor(
    private readonly store: string,
    private readonly runs: string[],
    warn: Warn,
  ) {
    for (const runId of runs) {
      const start = new RunView(store, runId, warn).start();
      const heartbeat = start?.process.heartbeatS ?? null;
      this.writers.set(runId, { started: start?.process.started ?? null, heartbeatMs: heartbeat === null ? null : heartbeat * 1000 });
      this.stat(runId);
    }
  }

  changed(): boolean {
    return this.runs.some((runId) => {
      const before = this.seen.get(runId);
      const mtime = this.stat(runId);
      if (this.seen.get(runId) !== before || mtime === null) return true;
      const { started, heartbeatMs } = this.writers.get(runId)!;
      const state = started ? liveness(started) : "unknown";
      if (state !== "unknown") return state === "dead";
      return heartbeatMs === null || Date.now() - mtime > heartbeatMs;
    });
  }

  /** Notes the file's size and time; its time, or null when it cannot be read. */
  private stat(runId: string): number | null {
    try {
      const { size, mtimeMs } = statSync(runFilePath(this.store, runId));
      this.seen.set(runId, `${size}:${mtimeMs}`);
      return mtimeMs;
    } catch {
      this.seen.delete(runId);
      return null;
    }
  }
}

/** `wait`'s exit code: 0 held, 1 a run ended without it, 124 the timeout passed. */
export const waitExitCode = (answer: WaitAnswer): number => (answer.outcome === "held" ? 0 : answer.outcome === "ended" ? EXIT.failure : EXIT.timeout);
