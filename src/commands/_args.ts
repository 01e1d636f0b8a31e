/** Argument definitions several commands share, and their parsers. */
import type { ArgsDef } from "citty";
import { usageError } from "../core/errors";
import type { Selection } from "../core/query/selection";
import { RUN_STATES, type RunState } from "../core/query/summary";
import { combineWhere, parseWhere } from "../core/query/where";
import { parseWhen } from "../core/time";

export const storeArgs = {
  dir: {
    type: "string",
    description: "Run store (default: $EXPRAG_DIR, else dir in .exprag.toml or [tool.exprag], else .exprag at the top of the git work tree)",
    valueHint: "DIR",
  },
} as const satisfies ArgsDef;

export const jsonArg = {
  json: { type: "boolean", description: "Compact JSON for programs" },
} as const satisfies ArgsDef;

/** Lists: newest first, `--limit N` (default 20) or `--all`, and `--json`. */
export const DEFAULT_LIMIT = 20;
export const listArgs = {
  limit: { type: "string", description: `Show at most N (default ${DEFAULT_LIMIT})`, valueHint: "N" },
  all: { type: "boolean", description: "Show all" },
  ...jsonArg,
} as const satisfies ArgsDef;

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

/** The run selection every command that takes a set of runs accepts. */
export const selectionArgs = {
  name: { type: "string", description: "Only runs whose name contains TEXT (any case; * globs: 'lr-*')", valueHint: "TEXT" },
  status: { type: "string", description: `Only runs in these states (comma-separated): ${RUN_STATES.join(", ")}`, valueHint: "STATE" },
  since: { type: "string", description: "Only runs started since WHEN: 90m, 2h, 3d, 2w, or a date (2026-11-01)", valueHint: "WHEN" },
  until: { type: "string", description: "Only runs started before WHEN", valueHint: "WHEN" },
  tag: { type: "string", description: "Only runs with this tag (repeatable: all of them)", valueHint: "TAG" },
  where: { type: "string", description: "Only runs for which EXPR holds (repeatable: all of them); see WHERE below", valueHint: "EXPR" },
} as const satisfies ArgsDef;

/** The selection's repeatable flags, for a command's `repeatable`. */
export const SELECTION_REPEATABLE = ["tag", "where"] as const;

export interface SelectionFlags {
  name?: string;
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

/** What --help says about --where, for every command that selects runs. */
export const WHERE_HELP = `WHERE

  --where 'meta.lr < 0.1 and max(metrics.acc) > 0.9'
  --where 'status = ok and (params.batch_size = 32 or params.batch_size = 64)'
  --where 'tags ~ "sweep:*" and not diverged'

  Comparisons = != < <= > >=, ~ (glob: * and ?), in [a, b]; and, or, not, parentheses.
  Literals: numbers, 'quoted' or "quoted" strings, bare words (status = ok), true, false, null.
  Operands: params.X (the command line), meta.X (--meta and $meta), a tracked path
  (metrics.acc, value.metrics.acc; its last value), last() first() min() max() mean() count()
  of a tracked path, and the run fields id, short_id, status, name, exit_code, duration_ms,
  started_at, commit, dirty, branch, tags, host, error, diverged; scheduler.X (job_id,
  array_task_id, node...) and devices.X (CUDA_VISIBLE_DEVICES...). Any other path is the tracked
  value, else the metadata, else the parameter of that name. \`key\` quotes odd keys.
  A comparison with a missing value or NaN is false (so is !=); not negates as usual.`;
