/** Argument definitions several commands share, and their parsers. */
import type { ArgsDef } from "citty";
import type { ProjectConfig } from "../core/config";
import { usageError } from "../core/errors";
import { DEFAULT_SNAPSHOT_MAX_BYTES } from "../core/git/capture";
import { isTerminal } from "../core/os/posix";
import type { Selection } from "../core/query/selection";
import { RUN_STATES, type RunState } from "../core/query/summary";
import { combineWhere, parseWhere } from "../core/query/where";
import { TAG } from "../core/record/annotations";
import { parseSize } from "../core/sizes";
import { parseWhen } from "../core/time";

export const storeArgs = {
  dir: {
    type: "string",
    description: "Run store (default: $EXPRAG_DIR, else dir in .exprag.toml or [tool.exprag], else .exprag at the top of the git work tree)",
    valueHint: "DIR",
  },
} as const satisfies ArgsDef;

/** The options of `exprag run`; `sweep` and `rerun` take them too and give them to each run they start. */
export const runOptionArgs = {
  name: { type: "string", alias: "n", description: "Experiment name (default: from the command, e.g. train.py)", valueHint: "TEXT" },
  meta: { type: "string", description: "Metadata; repeatable; dotted keys nest (hparams.lr=0.03); VALUE is JSON when it parses", valueHint: "KEY=VALUE" },
  "meta-file": { type: "string", description: "Metadata from a file holding a JSON object", valueHint: "FILE" },
  ...storeArgs,
  echo: { type: "boolean", description: "Also show the EXPRAG:: lines on the terminal" },
  params: {
    type: "boolean",
    description: "Record the script's parameters from its command line (--lr 0.03, --batch-size 32, lr=0.03) as params (the default)",
    negativeDescription: "Do not read parameters from the command line",
  },
  log: { type: "boolean", description: "Keep the output in runs/<run_id>.log (the default)", negativeDescription: "Do not keep the output log" },
  snapshot: {
    type: "boolean",
    description: "Commit a dirty work tree to the branch run/<run_id> (the default)",
    negativeDescription: "Record commit, branch and dirty flag only",
  },
  pty: {
    type: "boolean",
    description: "Give the command a terminal of its own (tqdm, rich and colours look as without exprag); its stdout and stderr then share one stream",
    negativeDescription: "Plain pipes, even when the project config says pty = true",
  },
  tag: { type: "string", description: "Start the run with this tag (repeatable)", valueHint: "TAG" },
  quiet: { type: "boolean", alias: "q", description: "Do not print exprag's end-of-run line" },
  verbose: { type: "boolean", description: "Say which project config applies, and show each git command the run makes and how long it took" },
  "snapshot-secrets": {
    type: "boolean",
    description: "Also snapshot untracked files that look like secrets (.env*, *.pem, *.key, id_rsa*, .netrc, credentials*...)",
  },
  "snapshot-max-size": {
    type: "string",
    description: "Leave untracked files larger than this out of the snapshot (default 10M; units K, M, G)",
    valueHint: "SIZE",
  },
} as const satisfies ArgsDef;

/** The run options' repeatable flags. */
export const RUN_REPEATABLE = ["meta", "tag"] as const;

export interface RunOptionFlags {
  tag: string[];
  "snapshot-max-size"?: string;
}

/** Checks every --tag: one word, as `exprag tag` takes it. */
export function checkTags(tags: string[]): void {
  for (const tag of tags)
    if (!TAG.test(tag)) throw usageError(`--tag '${tag}' is not a tag: one word, no spaces or control characters, at most 100 characters`);
}

/** What a run does, from its flags, else the project config, else exprag's defaults (flags > env > config). */
export interface RunDefaults {
  keepLog: boolean;
  params: boolean;
  snapshot: boolean;
  snapshotMaxBytes: number;
  snapshotExclude: string[];
  /** `not-code` in the project config; undefined: the default. */
  notCode: string[] | undefined;
  name: string | undefined;
  pty: boolean;
  config: ProjectConfig | null;
}

export function runDefaults(
  flags: RunOptionFlags & { log?: boolean; params?: boolean; snapshot?: boolean; name?: string; pty?: boolean },
  config: ProjectConfig | null,
): RunDefaults {
  const size = flags["snapshot-max-size"];
  return {
    keepLog: flags.log ?? config?.log ?? true,
    params: flags.params ?? config?.params ?? true,
    snapshot: flags.snapshot ?? true,
    snapshotMaxBytes: size === undefined ? (config?.snapshotMaxSize ?? DEFAULT_SNAPSHOT_MAX_BYTES) : parseSize(size, "--snapshot-max-size"),
    snapshotExclude: config?.snapshotExclude ?? [],
    notCode: config?.notCode,
    name: flags.name ?? config?.name,
    // `pty = true` in the config makes it the default at a terminal only.
    pty: flags.pty ?? (config?.pty === true && isTerminal(1)),
    config,
  };
}

/**
 * The words that give a child `exprag run` the run options given here, as `--key=value` (so a
 * value may start with a dash). The metadata and the store are left out: the caller hands them on.
 */
export function runOptionWords(flags: Record<string, unknown>): string[] {
  const words: string[] = [];
  for (const [key, def] of Object.entries(runOptionArgs) as [string, { type: string; default?: boolean }][]) {
    if (key === "meta" || key === "meta-file" || key === "dir") continue;
    const value = flags[key];
    if (def.type === "boolean") {
      if (value === false) words.push(`--no-${key}`);
      if (value === true) words.push(`--${key}`);
      continue;
    }
    for (const item of [value].flat()) if (typeof item === "string") words.push(`--${key}=${item}`);
  }
  return words;
}

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
  name: { type: "string", description: "Only runs named TEXT (whole name, any case; * ? [...] glob: 'lr-*')", valueHint: "TEXT" },
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
  started_at, commit, dirty, branch, tags, notes, host, error, diverged; scheduler.X (job_id,
  array_task_id, node...) and devices.X (CUDA_VISIBLE_DEVICES...). Any other path is the tracked
  value, else the metadata, else the parameter of that name. \`key\` quotes odd keys.
  A comparison with a missing value or NaN is false (so is !=); not negates as usual.`;
