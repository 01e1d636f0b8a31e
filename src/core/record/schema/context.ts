/** What a run ran with and left behind: its environment, samples of its process tree, the files it wrote. */

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
  /** Why files may be missing from `files`: the search stopped before it had looked everywhere. */
  incomplete?: string;
}
