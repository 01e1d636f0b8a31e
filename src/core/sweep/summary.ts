/**
 * What a sweep did, read back from its runs' files: each run's point, status and exit code, and
 * the last value of the sweep's first tracked metric (the first numeric path of the first run
 * that reported one), so the runs can be told apart at a glance.
 */
import { existsSync } from "node:fs";
import type { Warn } from "../query/records";
import { RunView } from "../query/run-view";
import { parsePath } from "../query/value-paths";
import { shortId } from "../record/refs";
import type { RunState } from "../record/schema";
import { runFilePath } from "../store";
import type { SweepRunResult } from "./execute";
import type { Point } from "./points";

/** A run's state, or why it has none: it never started, or its `exprag run` left no run file, or (Slurm) its task waits in the queue. */
export type SweepRunState = RunState | "not started" | "not recorded" | "pending";

export interface SweepRunSummary {
  run_id: string | null;
  short_id: string | null;
  point: Point;
  command: string[];
  /** The device its slot gave it (--gpus). */
  device: string | null;
  status: SweepRunState;
  exit_code: number | null;
  /** The last value of the sweep's metric; null when the run never reported it. */
  metric: number | string | null;
}

export interface SweepSummary {
  sweep_id: string;
  tag: string;
  /** The path `metric` holds, null when no run tracked a number. */
  metric: string | null;
  runs: SweepRunSummary[];
}

export const sweepTag = (sweepId: string) => `sweep:${sweepId}`;

export function summarizeSweep(store: string, sweepId: string, results: SweepRunResult[], warn: Warn): SweepSummary {
  const views = results.map((result) => (result.runId && existsSync(runFilePath(store, result.runId)) ? new RunView(store, result.runId, warn) : null));
  const metric = views.map((view) => Object.keys(view?.summary()?.metrics ?? {})[0]).find((path) => path !== undefined) ?? null;
  const steps = metric === null ? null : parsePath(metric);
  const runs = results.map((result, index): SweepRunSummary => {
    const view = views[index];
    const summary = view?.summary() ?? null;
    const last = steps && view ? (summary?.metrics[metric!] ?? view.lastValues(steps)?.[0]) : undefined;
    let status: SweepRunState = summary?.status ?? "not recorded";
    if (result.runId === null) status = "not started";
    return {
      run_id: result.runId,
      short_id: result.runId && shortId(result.runId),
      point: result.run.point,
      command: result.run.command,
      device: result.device,
      status,
      exit_code: summary?.exit_code ?? result.exitCode,
      metric: typeof last === "number" || typeof last === "string" ? last : null,
    };
  });
  return { sweep_id: sweepId, tag: sweepTag(sweepId), metric, runs };
}
