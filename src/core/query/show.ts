/** Everything about one run, from one pass over its file: `exprag show` and `compare`. */
import { existsSync } from "node:fs";
import { EXIT, UserError } from "../errors";
import { type Decision, readAnnotations } from "../record/annotations";
import type { Author } from "../record/author";
import { decodeEnvelope, decodeMeta, decodeParams, decodeRunEnd, decodeRunStart, type JsonObject, type RunEnd, type RunStart } from "../record/decode";
import { decodeEnvironment, decodeOutputs, trackedValue } from "../record/decode-context";
import { resolveReadableRun } from "../record/refs";
import type { EnvironmentValue, OutputsValue } from "../record/schema";
import { runLogPath } from "../store";
import { mergeMetadata } from "./metadata";
import { readable, recordsOf, type Warn } from "./records";
import { type MetricStats, StatsBuilder } from "./stats";
import { type RunSummary, summarizeRun } from "./summary";
import { asNumber, jsonNumber, leaves } from "./value-paths";

/** A note: a record's `$note` (with its kind, elapsed_ms and line), or one added later with `exprag note` (kind "annotation", with its author). */
export interface RunNote {
  kind: string;
  created_at: string;
  elapsed_ms: number | null;
  note: string;
  line: number | null;
  author?: Author | null;
}

export interface RunDetails {
  summary: RunSummary;
  start: RunStart | null;
  end: RunEnd | null;
  /** Metadata from `--meta`, then every `$meta` record in order. */
  metadata: JsonObject;
  /** Params from the command line, then every `params` record in order (the program's own values win). */
  params: JsonObject;
  notes: RunNote[];
  tags: string[];
  /** Every decision about the run, oldest first; the last one stands. */
  decisions: Decision[];
  metrics: MetricStats[];
  log: string | null;
  /** What the command ran with (its `environment` record); null when none was recorded. */
  environment: EnvironmentValue | null;
  /** The files it left (its `outputs` record); null when none was recorded. */
  outputs: OutputsValue | null;
}

export function readRunDetails(store: string, reference: string, warn: Warn): RunDetails {
  const { runId, file } = resolveReadableRun(store, reference);
  const summary = readable(store, runId, warn, () => summarizeRun(store, runId, warn));
  if (!summary) throw new UserError(`${file} is not a readable run file`, EXIT.failure);
  let start: RunStart | null = null;
  let end: RunEnd | null = null;
  let metadata: JsonObject = {};
  let environment: EnvironmentValue | null = null;
  let outputs: OutputsValue | null = null;
  let params: JsonObject = {};
  const notes: RunNote[] = [];
  const stats = new Map<string, StatsBuilder>();
  recordsOf(file, warn, (record, line) => {
    const envelope = decodeEnvelope(record);
    const tracked = trackedValue(envelope.kind, envelope.value);
    if (envelope.kind === "run_start") {
      start = decodeRunStart(record);
      metadata = mergeMetadata({}, start.metadata);
      if (Object.keys(start.environment).length) environment = { ...start.environment, ...environment };
      params = mergeMetadata({}, start.params);
    } else if (envelope.kind === "run_end") {
      end = decodeRunEnd(record);
    } else if (envelope.kind === "meta") {
      metadata = mergeMetadata(metadata, decodeMeta(record));
    } else if (envelope.kind === "params") {
      params = mergeMetadata(params, decodeParams(record));
    } else if (envelope.kind === "environment") {
      environment = { ...environment, ...decodeEnvironment(record.value) };
    } else if (envelope.kind === "outputs") {
      outputs = decodeOutputs(record.value);
    } else if (tracked !== undefined) {
      for (const [path, leaf] of leaves(tracked)) {
        const number = asNumber(leaf);
        if (number === null) continue;
        const stored = typeof leaf === "string" ? leaf : number;
        let builder = stats.get(path);
        if (!builder) {
          builder = new StatsBuilder(path, stored);
          stats.set(path, builder);
        }
        builder.add(number, stored);
      }
    }
    if (envelope.note !== null) notes.push({ kind: envelope.kind, created_at: envelope.createdAt, elapsed_ms: envelope.elapsedMs, note: envelope.note, line });
  });
  // `start` was set in the callback above, which TypeScript does not follow.
  const annotations = readAnnotations(file, (start as RunStart | null)?.queued?.tags);
  for (const added of annotations.notes)
    notes.push({ kind: "annotation", created_at: added.created_at, elapsed_ms: null, note: added.text, line: null, author: added.author });
  const log = runLogPath(store, runId);
  return {
    summary,
    start,
    end,
    metadata,
    params,
    notes,
    tags: annotations.tags,
    decisions: annotations.decisions,
    metrics: [...stats.values()].map((b) => b.build()),
    log: existsSync(log) ? log : null,
    environment,
    outputs,
  };
}

/** The JSON shape of `show` (fields are only ever added). */
export function showObject(d: RunDetails) {
  const git = d.start?.git ?? null;
  return {
    ...d.summary,
    signal: d.end?.signal ?? null,
    command: d.start?.process.argv ?? null,
    cwd: d.start?.process.cwd ?? null,
    git: git && { ...git, restore: git.commit ? `exprag checkout ${d.summary.short_id} --worktree <dir>` : null },
    params: d.params,
    metadata: d.metadata,
    host: d.start?.host ?? null,
    resources: d.end?.resources ?? null,
    counts: d.end?.counts ?? d.summary.counts,
    error: d.end?.error ?? null,
    stderr_tail: d.end?.stderrTail ?? [],
    stopped_by: d.end?.stoppedBy ?? null,
    parent_run_id: d.start?.parentRunId ?? null,
    rerun_of: d.start?.rerunOf ?? null,
    scheduler: d.start?.scheduler ?? {},
    devices: d.start?.devices ?? {},
    agent: d.start?.agent ?? null,
    tags: d.tags,
    decision: d.decisions.at(-1) ?? null,
    decisions: d.decisions,
    notes: d.notes,
    metrics: d.metrics.map(({ trend, ...stats }) => ({ ...stats, min: jsonNumber(stats.min), max: jsonNumber(stats.max) })),
    log: d.log,
    environment: d.environment,
    system: d.end?.system ?? null,
    outputs: d.outputs && { root: d.outputs.root, count: d.outputs.files.length + (d.outputs.more ?? 0), incomplete: d.outputs.incomplete ?? null },
  };
}
