/** Argument definitions several commands share, and their parsers. */
import type { ArgsDef } from "citty";
import { DEFAULT_LIMIT } from "../core/query/limit";
import { RUN_STATES } from "../core/record/schema";
import { DEFAULT_STOP_GRACE_MS } from "../core/run/stop-policy";

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
    description:
      "Record the script's parameters from its command line (--lr 0.03, --batch-size 32, lr=0.03) and, for Python, what its argparse or click parsed, defaults included, as params (the default)",
    negativeDescription: "Do not read parameters from the command line, nor from a Python script's parser",
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
  why: { type: "string", description: "The hypothesis the run tests, in a sentence", valueHint: "TEXT" },
  from: {
    type: "string",
    description: "The run it builds on: a run, or kept (the run kept last); a rerun builds on its source",
    valueHint: "RUN|kept",
  },
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
  "stop-when": {
    type: "string",
    description:
      "Stop the command when EXPR holds as records arrive (repeatable: any of them); --where's language: 'metrics.loss > 5', diverged, 'elapsed > 10m and max(metrics.acc) < 0.5'",
    valueHint: "EXPR",
  },
  "time-limit": { type: "string", description: "Stop the command after this long (90s, 10m, 2h; a bare number is seconds)", valueHint: "DURATION" },
  "stop-grace": {
    type: "string",
    description: `How long a stopped command has between SIGTERM and SIGKILL (default ${DEFAULT_STOP_GRACE_MS / 1000}s)`,
    valueHint: "DURATION",
  },
  env: {
    type: "boolean",
    description: "Record what the command runs with: a Python command's interpreter and packages, the GPUs (the default)",
    negativeDescription: "Do not record the environment",
  },
  system: {
    type: "boolean",
    description: "Sample the command's process tree and GPUs as system records (the default, every 10 s)",
    negativeDescription: "Do not sample system metrics",
  },
  "system-every": { type: "string", description: "Seconds between system samples (default 10)", valueHint: "SECONDS" },
  outputs: {
    type: "string",
    description: "Look for the files the run creates or changes only where this glob matches (repeatable; default: the whole work tree)",
    valueHint: "GLOB",
  },
  "keep-outputs": { type: "boolean", description: "Copy the run's outputs into the store (up to 1 GiB) so later runs cannot overwrite them" },
} as const satisfies ArgsDef;

/** The run options' repeatable flags. */
export const RUN_REPEATABLE = ["meta", "tag", "stop-when", "outputs"] as const;

/**
 * The words that give a child `exprag run` the run options given here, as `--key=value` (so a
 * value may start with a dash). The metadata and the store are left out: the caller hands them on.
 * It stays beside runOptionArgs, since it writes the command line that table reads.
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
export const listArgs = {
  limit: { type: "string", description: `Show at most N (default ${DEFAULT_LIMIT})`, valueHint: "N" },
  all: { type: "boolean", description: "Show all" },
  ...jsonArg,
} as const satisfies ArgsDef;

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
  started_at, commit, dirty, branch, tags, notes, host, error, diverged, elapsed (seconds since the
  start, or a duration: elapsed > 10m), why (the hypothesis), from (the short id of the run it
  builds on), decision (keep, discard; none while undecided); scheduler.X (job_id,
  array_task_id, node...), devices.X (CUDA_VISIBLE_DEVICES...) and env.X (the run's environment:
  env.python, a package such as env.torch, env.gpu0, env.driver, env.cuda). Any other path is
  the tracked value, else the metadata, else the parameter of that name. \`key\` quotes odd keys.
  A comparison with a missing value or NaN is false (so is !=); not negates as usual.`;
