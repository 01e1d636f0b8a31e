/** What a project config says, once read and checked: the defaults it gives runs and questions. */
import type { UserError } from "../errors";

export interface ProjectConfig {
  /** The store, absolute: a relative `dir` is read from the config file's folder. */
  dir?: string;
  /** Why `dir` names no store a project config may name (outside the work tree, inside .git). */
  dirRefused?: UserError;
  /** `snapshot-max-size`, in bytes (`"10M"` in the file, or a number of bytes). */
  snapshotMaxSize?: number;
  /** `snapshot-exclude`: globs of untracked files to leave out of a snapshot. */
  snapshotExclude?: string[];
  /** `not-code`: folders and globs that are not the experiment's code ([] turns the default, the coding agents' folders, off). */
  notCode?: string[];
  /** `log = false` is `--no-log`. */
  log?: boolean;
  /** `params = false` is `--no-params`. */
  params?: boolean;
  name?: string;
  pty?: boolean;
  /** `outputs`: globs of where a run's outputs are looked for (`--outputs`). */
  outputs?: string[];
  /** `keep-outputs = true` is `--keep-outputs`. */
  keepOutputs?: boolean;
  /** `[goal]`: the metric the research tries to move, and which way (brief, best, verdict, tree use it). */
  goal?: { metric: string; direction?: "max" | "min" };
  /** `seed-params`: the params whose values only vary the randomness (default seed, random_seed). */
  seedParams?: string[];
  /** `stop-when`: stop rules every run of the project gets (a string or a list of them). */
  stopWhen?: string[];
  /** `time-limit` and `stop-grace` as written ("2h", or a number of seconds). */
  timeLimit?: string;
  stopGrace?: string;
  /** `[slurm]`: how `exprag sweep --slurm` submits its array job. */
  slurm?: SlurmConfig;
  /** The file it came from (for pyproject.toml, its [tool.exprag] table). */
  source: string;
}

/** The `[slurm]` table: sbatch options every Slurm sweep gets (before those of --sbatch). */
export interface SlurmConfig {
  partition?: string;
  /** sbatch's --time, per task. */
  time?: string;
  /** GPUs per task. */
  gpus?: number;
  /** Further sbatch options, one word each. */
  extra?: string[];
}
