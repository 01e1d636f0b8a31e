/** The first record of a run: the code, machine and process it started from, and what it was given. */
import type { ProcessIdentity } from "../../os/processes";
import type { EnvironmentValue } from "./context";

export type { ProcessIdentity };

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
  /** A Python command's environment, read before it starts; the GPUs follow in an `environment` record. */
  environment?: EnvironmentValue;
}
