/**
 * The input schemas the tools share, and their reading into what core takes: the same run
 * selection and list limits as the command line (`--name`, `--status`, `--where`, `--limit`, ...),
 * parsed by the same functions, so a bad value reads as the same one-line message.
 */
import { z } from "zod";
import { DEFAULT_LIMIT } from "../core/query/limit";
import type { Selection } from "../core/query/selection";
import { parseSelection } from "../core/query/selection-flags";
import { RUN_STATES, type RunState } from "../core/record/schema";

const RUN_REFERENCE = "a run: its id, a unique prefix of at least 4 hex digits, its short id (the last 8 hex digits), latest, or latest~N";

/** One run, as every tool that looks at a single run takes it. */
export const runInput = (what = "The run") => z.string().min(1).describe(`${what}: ${RUN_REFERENCE}`);

/** The run selection: the runs named, or every run newest first, kept by name, state, time, tags and a where expression. */
export const selectionInput = {
  runs: z.array(z.string().min(1)).optional().describe(`Only these runs, in this order; each is ${RUN_REFERENCE}. Default: every run, newest first`),
  name: z.string().min(1).optional().describe("Only runs with this experiment name (any case, whole name); * ? [...] make it a glob: 'lr-*'"),
  status: z
    .array(z.enum(RUN_STATES as [RunState, ...RunState[]]))
    .optional()
    .describe("Only runs in one of these states"),
  since: z.string().min(1).optional().describe("Only runs started since then: a span back from now (90m, 2h, 3d, 2w) or a date (2026-11-01)"),
  until: z.string().min(1).optional().describe("Only runs started before then: a span back from now or a date"),
  tags: z.array(z.string().min(1)).optional().describe("Only runs that have all of these tags"),
  where: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Only runs for which this expression holds, e.g. "params.lr < 0.1 and max(metrics.acc) > 0.9", "status = ok", "tags ~ \'sweep:*\'". ' +
        "Comparisons = != < <= > >= ~ (glob) in [a, b]; and, or, not, parentheses. Operands: params.X (command line), meta.X (metadata), " +
        "a tracked path (its last value), last() first() min() max() mean() count() of a tracked path, and the run fields id, short_id, " +
        "status, name, exit_code, duration_ms, started_at, commit, dirty, branch, tags, notes, host, error, diverged, elapsed (seconds; elapsed > 10m), why, from (a short id), " +
        "decision (keep, discard, none); scheduler.X (job_id, array_task_id, node...), devices.X (CUDA_VISIBLE_DEVICES...) and env.X (the run's environment: env.python, a package such as env.torch, env.gpu0, env.driver, env.cuda)",
    ),
};

/** How many to answer with: `limit` (default 20) or `all`. */
export const listInput = {
  limit: z.number().int().min(1).optional().describe(`At most this many (default ${DEFAULT_LIMIT})`),
  all: z.boolean().optional().describe("No limit"),
};

export interface SelectionInput {
  runs?: string[];
  name?: string;
  status?: RunState[];
  since?: string;
  until?: string;
  tags?: string[];
  where?: string;
}

/** The selection the input describes, read as `exprag ls` reads its flags. */
export function toSelection(input: SelectionInput): Selection {
  return parseSelection(
    {
      name: input.name,
      status: input.status?.length ? input.status.join(",") : undefined,
      since: input.since,
      until: input.until,
      tag: input.tags ?? [],
      where: input.where === undefined ? [] : [input.where],
    },
    input.runs ?? [],
  );
}

/** The limit the input asks for: `all` is no limit. */
export function toLimit(input: { limit?: number; all?: boolean }): number {
  if (input.all) return Number.POSITIVE_INFINITY;
  return input.limit ?? DEFAULT_LIMIT;
}
