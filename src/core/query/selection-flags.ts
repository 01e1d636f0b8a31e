/**
 * The run selection and list limits as both front ends give them, in words: `--status a,b` or
 * `status: [a, b]`, `--since 3d`, `--where EXPR`, `--limit N`. Read here, once, into what
 * selectRuns takes; a bad state, time, expression or count is the same usage error everywhere.
 */
import { usageError } from "../errors";
import { RUN_STATES, type RunState } from "../record/schema";
import { parseWhen } from "../time";
import { DEFAULT_LIMIT } from "./limit";
import type { Selection } from "./selection";
import { combineWhere, parseWhere } from "./where";

export interface SelectionFlags {
  name?: string;
  /** Comma-separated states. */
  status?: string;
  since?: string;
  until?: string;
  tag: string[];
  where: string[];
}

/** The selection the flags and run references describe; a bad state, time or expression is a usage error. */
export function parseSelection(flags: SelectionFlags, references: string[] = []): Selection {
  const statuses = flags.status?.split(",").map((state) => state.trim());
  for (const state of statuses ?? []) {
    if (!RUN_STATES.includes(state as RunState)) throw usageError(`--status must be among ${RUN_STATES.join(", ")}, got "${state}"`);
  }
  return {
    references,
    name: flags.name,
    statuses: statuses as RunState[] | undefined,
    since: flags.since === undefined ? undefined : parseWhen(flags.since, "--since"),
    until: flags.until === undefined ? undefined : parseWhen(flags.until, "--until"),
    tags: flags.tag,
    where: combineWhere(flags.where.map(parseWhere)),
  };
}

/** `--limit N` as a number; `--all` is no limit. */
export function parseLimit(args: { limit?: string; all?: boolean }, fallback = DEFAULT_LIMIT): number {
  if (args.all) return Number.POSITIVE_INFINITY;
  if (args.limit === undefined) return fallback;
  return parseCount(args.limit, "--limit");
}

/** A positive whole number given to `option`. */
export function parseCount(text: string, option: string): number {
  const count = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) throw usageError(`${option} must be a positive whole number, got "${text}"`);
  return count;
}
