/**
 * Tolerant decoders, one per record kind: every reader of a run file goes through them. A file
 * may come from this exprag, a later one (extra fields), the original Python exprag (releases
 * 0.1.0 to 0.1.2: other git shapes, no run_end, no process identity), or a hostile hand: missing
 * or mistyped fields become defaults, never exceptions.
 */

import { decodeEnvironment, decodeSystemPeaks } from "./decode-context";
import { decodeGit } from "./decode-git";
import { archName, osName } from "./host-names";
import { asFiniteNumber, asObject, asString, asStrings, exceedsDepth, isObject, type JsonObject } from "./json-values";
import {
  type AgentRecord,
  type Divergence,
  type EnvironmentValue,
  type GitRecord,
  type HostRecord,
  type ProcessIdentity,
  type RecordCounts,
  type ResourceUsage,
  RUN_END_STATUSES,
  type RunEndStatus,
  type StoppedBy,
  type StoredRecord,
  type SystemPeaks,
} from "./schema";

export { asObject, exceedsDepth, isObject, type JsonObject };

import { OBJECT_ID, RUN_ID } from "./untrusted";

/**
 * How deep a record may nest when read. exprag records nothing deeper than MAX_RECORD_DEPTH (see
 * the protocol), so a deeper line came from elsewhere: it is skipped as corrupt, never walked.
 */
const MAX_READ_DEPTH = 512;

/** A JSON object parsed from a line, or null when the line is not one (or nests absurdly deep). */
export function parseRecord(text: string): StoredRecord | null {
  if (exceedsDepth(text, MAX_READ_DEPTH)) return null;
  try {
    const record: unknown = JSON.parse(text);
    return isObject(record) ? record : null;
  } catch {
    return null;
  }
}

/** The fields every record carries, whatever its kind. */
export interface Envelope {
  kind: string;
  runId: string | null;
  experimentName: string;
  createdAt: string;
  elapsedMs: number;
  note: string | null;
  value: unknown;
}

export function decodeEnvelope(record: StoredRecord): Envelope {
  return {
    kind: asString(record.kind) ?? "",
    runId: asString(record.run_id),
    experimentName: asString(record.experiment_name) ?? "",
    createdAt: asString(record.created_at) ?? "",
    elapsedMs: asFiniteNumber(record.elapsed_ms) ?? 0,
    note: asString(record.note),
    value: record.value,
  };
}

export { OBJECT_ID };

export interface RunStart {
  runId: string | null;
  experimentName: string;
  createdAt: string;
  expragVersion: string | null;
  /** Normalised to this exprag's shape, whichever exprag wrote it; null when none was recorded. */
  git: GitRecord | null;
  host: Partial<HostRecord>;
  process: { pid: number | null; ppid: number | null; cwd: string | null; argv: string[] | null; started: ProcessIdentity | null; heartbeatS: number | null };
  metadata: JsonObject;
  /** Read from the command's arguments; {} for runs recorded without. */
  params: JsonObject;
  /** `params` records may follow (exprag's Python parameter hook was on). */
  paramsHook: boolean;
  parentRunId: string | null;
  agent: AgentRecord | null;
  rerunOf: string | null;
  /** The hypothesis it tests (`--why`). */
  why: string | null;
  /** The run it builds on (`--from`), a full run id. */
  from: string | null;
  devices: JsonObject;
  scheduler: JsonObject;
  /** The Slurm task a point of a sweep waits for, while it is queued (null for a run that started). */
  queued: { jobId: string; task: number; tags: string[] } | null;
  /** What run_start recorded of the environment (a Python command's); {} when nothing. */
  environment: EnvironmentValue;
}

export function decodeRunStart(record: StoredRecord): RunStart {
  const envelope = decodeEnvelope(record);
  const value = asObject(envelope.value);
  const process = asObject(value.process);
  const agent = asObject(value.agent);
  return {
    runId: envelope.runId,
    experimentName: envelope.experimentName,
    createdAt: envelope.createdAt,
    expragVersion: asString(record.exprag_version),
    git: isObject(value.git) ? decodeGit(value.git) : null,
    host: decodeHost(asObject(value.host)),
    process: {
      pid: asFiniteNumber(process.pid),
      ppid: asFiniteNumber(process.ppid),
      cwd: asString(process.cwd),
      argv: asStrings(process.argv),
      started: decodeIdentity(process.started),
      heartbeatS: asFiniteNumber(process.heartbeat_s),
    },
    metadata: asObject(value.metadata),
    params: asObject(value.params),
    paramsHook: value.params_hook === "python",
    parentRunId: asString(value.parent_run_id),
    agent: asString(agent.name) !== null ? { name: asString(agent.name)!, env: asString(agent.env) ?? "" } : null,
    rerunOf: asString(value.rerun_of),
    why: asString(value.why),
    from: typeof value.from === "string" && RUN_ID.test(value.from) ? value.from : null,
    devices: asObject(value.devices),
    scheduler: asObject(value.scheduler),
    queued: decodeQueued(value.queued),
    environment: decodeEnvironment(value.environment),
  };
}

/** Decoded for every run a listing reads: the fields it has, in this order, no object spread per field. */
function decodeHost(host: JsonObject): RunStart["host"] {
  const decoded: RunStart["host"] = {};
  if (typeof host.hostname === "string") decoded.hostname = host.hostname;
  if (typeof host.os === "string") decoded.os = osName(host.os);
  if (typeof host.arch === "string") decoded.arch = archName(host.arch);
  decoded.username = asString(host.username);
  const cpus = asFiniteNumber(host.cpu_count);
  if (cpus !== null) decoded.cpu_count = cpus;
  return decoded;
}

function decodeQueued(value: unknown): RunStart["queued"] {
  const queued = asObject(value);
  const jobId = asString(queued.job_id);
  const task = asString(queued.array_task_id);
  if (queued.kind !== "slurm" || jobId === null || !/^\d+$/.test(jobId) || task === null || !/^\d+$/.test(task)) return null;
  return { jobId, task: Number(task), tags: (asStrings(queued.tags) ?? []).filter((tag) => tag !== "") };
}

function decodeIdentity(value: unknown): ProcessIdentity | null {
  const started = asObject(value);
  const pid = asFiniteNumber(started.pid);
  const host = asString(started.host);
  if (pid === null || host === null) return null;
  return { host, pid, boot_id: asString(started.boot_id), start_ticks: asFiniteNumber(started.start_ticks) };
}

export { RUN_END_STATUSES };

export interface RunEnd {
  /** A status this exprag does not know (a later one's, or garbage) reads as "unknown". */
  status: RunEndStatus | "unknown";
  exitCode: number | null;
  signal: string | null;
  durationMs: number | null;
  resources: ResourceUsage | null;
  counts: RecordCounts | null;
  /** The sum of every count, a later exprag's new kinds included. */
  records: number | null;
  error: string | null;
  diverged: Divergence | null;
  stderrTail: string[];
  stoppedBy: StoppedBy | null;
  system: SystemPeaks | null;
}

export function decodeRunEnd(record: StoredRecord): RunEnd {
  const value = asObject(record.value);
  const counts = isObject(value.counts) ? value.counts : null;
  const resources = asObject(value.resources);
  const rss = asFiniteNumber(resources.max_rss_bytes);
  return {
    status: runEndStatus(value),
    exitCode: asFiniteNumber(value.exit_code),
    signal: asString(value.signal),
    durationMs: asFiniteNumber(value.duration_ms),
    resources:
      rss === null
        ? null
        : { max_rss_bytes: rss, cpu_user_ms: asFiniteNumber(resources.cpu_user_ms) ?? 0, cpu_system_ms: asFiniteNumber(resources.cpu_system_ms) ?? 0 },
    counts: counts && decodeCounts(counts),
    records: counts ? Object.values(counts).reduce<number>((sum, n) => sum + (asFiniteNumber(n) ?? 0), 0) : null,
    error: asString(value.error),
    diverged: decodeDivergence(value.diverged),
    stderrTail: asStrings(value.stderr_tail) ?? [],
    stoppedBy: decodeStoppedBy(value.stopped_by),
    system: decodeSystemPeaks(value.system),
  };
}

/** run_end's counts, the optional ones set when present (not spread: every run of a listing is decoded). */
function decodeCounts(counts: JsonObject): RecordCounts {
  const decoded: RecordCounts = {
    track: asFiniteNumber(counts.track) ?? 0,
    meta: asFiniteNumber(counts.meta) ?? 0,
    note: asFiniteNumber(counts.note) ?? 0,
    parse_error: asFiniteNumber(counts.parse_error) ?? 0,
  };
  const params = asFiniteNumber(counts.params);
  if (params !== null) decoded.params = params;
  const system = asFiniteNumber(counts.system);
  if (system !== null) decoded.system = system;
  return decoded;
}

/** The status of run_end's value (see RunEnd.status), without decoding the rest. */
export function runEndStatus(value: JsonObject): RunEnd["status"] {
  const status = asString(value.status);
  return RUN_END_STATUSES.find((known) => known === status) ?? "unknown";
}

function decodeStoppedBy(value: unknown): StoppedBy | null {
  const stop = asObject(value);
  const rule = asString(stop.rule);
  return rule === null ? null : { rule, source: asString(stop.source), step: asFiniteNumber(stop.step), elapsed_ms: asFiniteNumber(stop.elapsed_ms) ?? 0 };
}

export function decodeDivergence(value: unknown): Divergence | null {
  const point = asObject(value);
  const path = asString(point.path);
  return path === null ? null : { path, step: asFiniteNumber(point.step), source: asString(point.source) ?? "" };
}

/** A `params` record's value: parameters merged over the run's params (anything else adds nothing). */
export const decodeParams = (record: StoredRecord): JsonObject => asObject(record.value);

/** A `meta` record's value: an object merged into the run's metadata (anything else adds nothing). */
export const decodeMeta = (record: StoredRecord): JsonObject => asObject(record.value);
