/**
 * The records of a run file, one typed definition per kind. The writer builds them with
 * `satisfies`; readers get them only through the tolerant decoders in `decode.ts`.
 *
 * Every line is an envelope: schema_version, exprag_version, run_id, experiment_name, kind, value,
 * created_at, elapsed_ms, and note when there is one (the original Python exprag's schema).
 */

export const SCHEMA_VERSION = 1;

/** Counters that number a run's track records rather than measure anything (a record's step). */
export const STEP_KEYS = ["step", "epoch", "iteration", "iter"];

export const RECORD_KINDS = ["run_start", "track", "meta", "note", "parse_error", "run_end", "params", "environment", "system", "outputs"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** One line of a run file as stored; every field may be absent in a file exprag did not write. */
export interface StoredRecord {
  schema_version?: unknown;
  exprag_version?: unknown;
  run_id?: unknown;
  experiment_name?: unknown;
  kind?: unknown;
  value?: unknown;
  created_at?: unknown;
  elapsed_ms?: unknown;
  note?: unknown;
}

export interface SkippedFile {
  path: string;
  reason: string;
  bytes?: number;
}

export interface SubmoduleState {
  path: string;
  commit: string | null;
  dirty: boolean;
}

/** The code a run started from (`run_start.value.git`). */
export interface GitRecord {
  /** The commit holding the run's exact code: HEAD when clean, the snapshot when dirty. */
  commit: string | null;
  /** That commit's tree: runs with the same code have the same tree, whatever their commits. */
  tree?: string | null;
  /** `run/<run_id>` when a snapshot was made, else the checked-out branch (null when detached). */
  branch: string | null;
  /** HEAD at start: the snapshot's parent; null before the first commit. */
  head: string | null;
  dirty: boolean | null;
  /** The full ref of the snapshot, when one was made. */
  snapshot_ref: string | null;
  /** `git status --porcelain` lines (at most 100) and how many there were. */
  status: { lines: string[]; total: number };
  skipped: SkippedFile[];
  submodules: SubmoduleState[];
  /** Why there is no snapshot, or what went differently; absent when all went well. */
  note?: string;
  /** The top of the work tree the run started in, so a rerun finds its folder in the code. */
  top?: string;
}

export interface HostRecord {
  hostname: string;
  os: string;
  arch: string;
  username: string | null;
  cpu_count: number;
}

/** Enough to tell later whether the exprag process that wrote a run is still alive. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Linux: the boot and the process start time in clock ticks since boot; null elsewhere. */
  boot_id: string | null;
  start_ticks: number | null;
}

export interface ProcessRecord {
  pid: number;
  ppid: number;
  cwd: string;
  argv: string[];
  started: ProcessIdentity;
  /** While the run lives, its file's modification time is refreshed this often (seconds). */
  heartbeat_s: number;
}

export interface AgentRecord {
  name: string;
  /** The environment variable it was recognised by. */
  env: string;
}

/** The batch scheduler job a run was part of. */
export interface SchedulerRecord {
  kind: "slurm" | "pbs" | "lsf" | "kubernetes";
  job_id: string;
  array_job_id?: string;
  array_task_id?: string;
  node?: string;
  [field: string]: string | undefined;
}

/** The Slurm array task a queued run waits for. */
export interface QueuedRecord {
  kind: "slurm";
  job_id: string;
  array_task_id: string;
  /** The tags the sweep gives the point (its run's own tags once it starts). */
  tags?: string[];
}

export interface RunStartValue {
  git: GitRecord;
  host: HostRecord;
  process: ProcessRecord;
  metadata: Record<string, unknown>;
  /** The script's parameters, read from its command line (absent with --no-params). */
  params?: Record<string, unknown>;
  /**
   * The command runs Python with exprag's parameter hook: `params` records may follow with the
   * values its argument parser really used, defaults included (they win over `params`).
   */
  params_hook?: "python";
  parent_run_id?: string;
  agent?: AgentRecord;
  /** The run repeats this one (`exprag rerun`). */
  rerun_of?: string;
  /** The hypothesis the run tests (`--why`). */
  why?: string;
  /** The id of the run it builds on (`--from`; a rerun's source). */
  from?: string;
  /** Accelerators it was given: CUDA_VISIBLE_DEVICES and the like. */
  devices?: Record<string, string>;
  scheduler?: SchedulerRecord;
  /** A point of a Slurm sweep written at submit, before its task starts: it reads `pending` until its `exprag run` takes its place. */
  queued?: QueuedRecord;
  /** A Python command's environment, read before it starts; the GPUs follow in an `environment` record. */
  environment?: EnvironmentValue;
}

/** How the batch scheduler ended a run that ended by a signal, when it could be asked (Slurm's job state). */
export const SCHEDULER_END_STATUSES = ["timeout", "cancelled", "preempted", "out_of_memory", "node_fail"] as const;
export type SchedulerEndStatus = (typeof SCHEDULER_END_STATUSES)[number];

/**
 * How a run ended, the one list: `stopped` when a stop rule (`run --stop-when`) ended it,
 * `timeout` when its time limit (`run --time-limit`) or Slurm's did; Slurm's other causes after.
 */
export const RUN_END_STATUSES = [
  "ok",
  "failed",
  "killed",
  "interrupted",
  "stopped",
  "timeout",
  "cancelled",
  "preempted",
  "out_of_memory",
  "node_fail",
] as const;
export type RunEndStatus = (typeof RUN_END_STATUSES)[number];

export interface RecordCounts {
  track: number;
  meta: number;
  note: number;
  parse_error: number;
  /** Samples of the command's process tree (absent in runs recorded before them). */
  system?: number;
}

export interface ResourceUsage {
  max_rss_bytes: number;
  cpu_user_ms: number;
  cpu_system_ms: number;
}

/** Where a tracked number first was NaN or infinite. */
export interface Divergence {
  path: string;
  step: number | null;
  /** `<run file>:<line>` of that record. */
  source: string;
}

export interface RunEndValue {
  status: RunEndStatus;
  exit_code: number;
  signal: string | null;
  duration_ms?: number;
  resources?: ResourceUsage | null;
  /** Records in the file, by kind. */
  counts: RecordCounts;
  /** Records that could not be written (disk full, file too large), and why. */
  lost?: { records: number; reason: string };
  error?: string;
  /** The first non-finite tracked number, when there was one. */
  diverged?: Divergence;
  /** The last lines of the command's stderr (at most 20, 4 KiB). */
  stderr_tail?: string[];
  /** What the scheduler said about a run that ended by a signal: its job state and reason. */
  scheduler_end?: SchedulerEnd;
  /** What ended a `stopped` or `timeout` run. */
  stopped_by?: StoppedBy;
  /** The peaks of the `system` samples, when the run was sampled. */
  system?: SystemPeaks;
}

export interface SchedulerEnd {
  kind: "slurm";
  job_id: string;
  /** The job's state as the scheduler names it (`TIMEOUT`, `CANCELLED`, ...). */
  state: string;
  /** The scheduler's reason, when it gives one other than None. */
  reason?: string;
}

/** The stop rule (as written) or time limit (`--time-limit 2s`) that ended a run, and when it held. */
export interface StoppedBy {
  rule: string;
  /** `<run file>:<line>` of the record it held at; null when no record made it hold (a time limit). */
  source: string | null;
  /** The step of that record, when it has one. */
  step: number | null;
  /** Milliseconds from the command's start. */
  elapsed_ms: number;
}

/** What the command ran with: run_start's `environment` (Python), and an `environment` record (GPUs) written while it runs. */
export interface EnvironmentValue {
  /** The Python environment of a Python command; absent for other commands. */
  python?: PythonEnvironment;
  /** The machine's GPUs as nvidia-smi or rocm-smi describe them; absent when neither answered. */
  gpus?: GpuInfo[];
  /** Why a part could not be read (a tool that hung or failed). */
  errors?: string[];
}

export interface PythonEnvironment {
  /** "3.11.4", or "3.11" when only the folder names tell. */
  version: string | null;
  executable: string;
  /** The environment's folder: a virtualenv's, a conda environment's, or the interpreter's prefix. */
  prefix: string;
  kind: "virtualenv" | "conda" | "system";
  /** Installed packages by normalised name (PEP 503): version. */
  packages: Record<string, string>;
}

export interface GpuInfo {
  index: number;
  name: string;
  memory_total_bytes: number | null;
  driver: string | null;
  cuda: string | null;
}

/** One sample of the command's process tree (a `system` record). */
export interface SystemSample {
  /** CPU time the tree used since the last sample, as a percentage of one core. */
  cpu_percent: number;
  /** Resident memory of every process in the tree, summed. */
  rss_bytes: number;
  processes: number;
  /** Per visible GPU, `gpu0`, `gpu1`...: utilisation (%) and memory in use (bytes) of the whole device. */
  [gpu: `gpu${number}`]: GpuSample;
}

export interface GpuSample {
  utilization: number;
  memory_used: number;
  memory_total: number;
}

/** run_end's summary of the `system` samples. */
export interface SystemPeaks {
  samples: number;
  peak_rss_bytes: number;
  peak_cpu_percent: number;
  /** Per GPU: the most memory in use and the mean utilisation over the samples. */
  gpus?: Record<string, { peak_memory_used: number; mean_utilization: number }>;
  /** Why GPUs were not sampled, when nvidia-smi was there but failed or hung. */
  gpu_error?: string;
}

/** One file the command created or changed under the work tree (an `outputs` record lists them). */
export interface OutputFile {
  /** Relative to the work tree's top, with forward slashes. */
  path: string;
  size: number;
  /** Modification time, ms since the epoch. */
  mtime_ms: number;
  /** `sha256:<hex>` of the whole file, or `fp256:<hex>` (see outputs.ts) above the hash limit. */
  hash: string;
  /** Copied into the store with --keep-outputs. */
  kept?: boolean;
}

export interface OutputsValue {
  /** The folder the paths are relative to. */
  root: string;
  files: OutputFile[];
  /** Files left out of `files` past its limit. */
  more?: number;
  /** The globs looked at (--outputs), when not the whole tree. */
  globs?: string[];
}

export interface ParseErrorValue {
  raw: string;
  reason: string;
  source: "stdout" | "fd";
}

/** What may be decided about a run: keep what it changed, or throw it away. */
export const DECISIONS = ["keep", "discard"] as const;
export type DecisionKind = (typeof DECISIONS)[number];

/** The value of a `decision` annotation (`exprag keep`, `exprag discard`); a later one replaces it. */
export interface DecisionValue {
  decision: DecisionKind;
  because?: string;
}

/** The value of a project note (`exprag note --project`); one that `replaces` another corrects it. */
export interface ProjectNoteValue {
  /** Its own id: 8 hex digits, unique in the store. */
  id: string;
  text: string;
  replaces?: string;
}
