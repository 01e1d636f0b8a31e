/**
 * `exprag wait RUN... --until EXPR`: blocks until a condition holds for every run named, a run
 * ends without it, or the timeout passes. It does not poll the files in a loop: a change to a run
 * file wakes it (inotify, or the platform's equivalent), and a slow check (the heartbeat's
 * fallback) catches what no notification says: a writer that died (crashed), a file system that
 * does not notify (NFS), a run of another host, the clock in `elapsed`.
 */
import { type FSWatcher, watch } from "node:fs";
import { EXIT } from "../errors";
import type { Warn } from "../query/records";
import { RunView } from "../query/run-view";
import { whereHolds } from "../query/selection";
import type { RunSummary } from "../query/summary";
import { type Expr, parseWhere } from "../query/where";
import { resolveRunRef } from "../record/refs";
import { runFilePath } from "../store";

/** What `wait` waits for when no condition is given: the run has ended, however. */
export const DEFAULT_UNTIL = "status != running";
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
  run: RunSummary;
}

export interface WaitAnswer {
  /** held: for every run; ended: a run ended (or crashed) without it; timeout: the timeout passed first. */
  outcome: "held" | "ended" | "timeout";
  until: string;
  runs: WaitedRun[];
}

/** Parses the condition first, so a malformed one is a usage error before any waiting. */
export function parseUntil(text: string | undefined): { text: string; expr: Expr } {
  const until = text ?? DEFAULT_UNTIL;
  return { text: until, expr: parseWhere(until) };
}

const ENDED = (status: RunSummary["status"]) => status !== "running";

export async function waitForRuns(request: WaitRequest, warn: Warn, recheckMs = RECHECK_MS): Promise<WaitAnswer> {
  const { expr, text } = parseUntil(request.until);
  const runs = [...new Set(request.references.map((reference) => resolveRunRef(request.store, reference).runId))];
  const look = (): { outcome: WaitAnswer["outcome"] | null; runs: WaitedRun[] } => {
    const waited: WaitedRun[] = [];
    for (const runId of runs) {
      const view = new RunView(request.store, runId, warn);
      const run = view.summary();
      if (!run) continue;
      waited.push({ held: whereHolds(view, expr), run });
    }
    if (waited.length && waited.every((item) => item.held)) return { outcome: "held", runs: waited };
    if (waited.some((item) => !item.held && ENDED(item.run.status))) return { outcome: "ended", runs: waited };
    return { outcome: null, runs: waited };
  };
  const answer = (outcome: WaitAnswer["outcome"], waited: WaitedRun[]): WaitAnswer => ({ outcome, until: text, runs: waited });

  const first = look();
  if (first.outcome) return answer(first.outcome, first.runs);
  return await new Promise<WaitAnswer>((resolve) => {
    const watchers: FSWatcher[] = [];
    const timers: Timer[] = [];
    let done = false;
    const finish = (outcome: WaitAnswer["outcome"], waited: WaitedRun[]) => {
      if (done) return;
      done = true;
      for (const watcher of watchers) watcher.close();
      for (const timer of timers) clearTimeout(timer);
      resolve(answer(outcome, waited));
    };
    const check = () => {
      if (done) return;
      const now = look();
      if (now.outcome) finish(now.outcome, now.runs);
    };
    for (const runId of runs) {
      try {
        watchers.push(watch(runFilePath(request.store, runId), { persistent: false }, check));
      } catch {
        // no notification here: the fallback check alone finds the change
      }
    }
    timers.push(setInterval(check, recheckMs));
    if (request.timeoutMs !== null) timers.push(setTimeout(() => finish("timeout", look().runs), request.timeoutMs));
  });
}

/** `wait`'s exit code: 0 held, 1 a run ended without it, 124 the timeout passed. */
export const waitExitCode = (answer: WaitAnswer): number => (answer.outcome === "held" ? 0 : answer.outcome === "ended" ? EXIT.failure : EXIT.timeout);
