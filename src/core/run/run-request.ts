/** What `exprag run` (or a sweep's, a rerun's run) asks of the runner: the command and how to record it. */
import type { RunContextOptions } from "../context/run-context";
import type { PreparedCode } from "../git/capture";
import type { Metadata } from "./metadata";
import type { StopPolicy } from "./stop-policy";

export interface RunRequest {
  command: string[];
  name: string;
  metadata: Metadata;
  /** The script's parameters read from its arguments; null with --no-params. */
  params: Record<string, unknown> | null;
  store: string;
  /** The store was named (--dir, EXPRAG_DIR), not found: it may lead elsewhere through a link. */
  storeExplicit: boolean;
  echo: boolean;
  keepLog: boolean;
  /** Commit a dirty work tree to `run/<run_id>`. */
  snapshot: boolean;
  snapshotMaxBytes: number;
  /** Also snapshot untracked files that look like secrets (.env, keys, credentials). */
  snapshotSecrets: boolean;
  /** Globs of untracked files to leave out of the snapshot. */
  snapshotExclude?: string[];
  /** What is not the experiment's code (default: the coding agents' folders). */
  notCode?: string[];
  /** Shows how far a big snapshot got; ended once the code is read. */
  snapshotProgress?: { step(done: number, total: number): void; end(): void };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** How to start this program again, for the signal-preserving exec (see `__exec`). */
  selfCommand: string[];
  /** Code read once for several runs (a sweep): used instead of reading git again. */
  code?: PreparedCode;
  /** Tags the run starts with. */
  tags?: string[];
  /** The run repeats this one (`exprag rerun`). */
  rerunOf?: string;
  /** The hypothesis the run tests. */
  why?: string;
  /** The id of the run it builds on. */
  from?: string;
  /** The run's id, when its caller chose it (a sweep, a rerun); else a new UUIDv7. */
  runId?: string;
  /** How often the run file's modification time is refreshed while the run lives. */
  heartbeatSeconds: number;
  /** Give the command a pseudo-terminal (its stdout and stderr then share one stream). */
  pty: boolean;
  /** What the run records besides the command's records: environment, system samples, outputs (all by default). */
  context?: RunContextOptions;
  /** exprag's parameter hook is on the Python command's path (see python-hook.ts). */
  paramsHook?: "python";
  /** The process the run is of, when it is not exprag's child (a Python `Experiment` exprag records beside it). */
  owner?: { pid: number; ppid: number };
  /** Stop rules and a time limit: what may end the command early. */
  stop?: StopPolicy;
  warn: (message: string) => void;
}
