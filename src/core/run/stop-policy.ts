/**
 * What may end a run early, as it was asked to, and what exprag then exits with: all a run needs
 * of its stop rules before it knows it has any. What watches them (stopping.ts, with the query
 * code its rules are evaluated by) is loaded only by a run that has rules or a time limit.
 */
import { EXIT } from "../errors";
import type { StoppedBy } from "../record/schema";
import type { StopRule } from "../rules/stop-rule";

export interface StopPolicy {
  rules: StopRule[];
  /** `--time-limit` in milliseconds, and as written; null without one. */
  timeLimit: { ms: number; text: string } | null;
  /** How long the command has between SIGTERM and SIGKILL. */
  graceMs: number;
}

export const DEFAULT_STOP_GRACE_MS = 5000;

export const stopsEarly = (policy: StopPolicy | undefined): policy is StopPolicy => Boolean(policy && (policy.rules.length || policy.timeLimit));

export interface StopReason {
  status: "stopped" | "timeout";
  by: StoppedBy;
}

/** What exprag exits with when it ended the command: 124 for a time limit, as timeout(1) does; 123 for a stop rule. */
export const stopExitCode = (reason: StopReason): number => (reason.status === "timeout" ? EXIT.timeout : EXIT.stopped);
