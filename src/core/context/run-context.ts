/**
 * What a run records besides the command's own records, over its life: the GPUs (asked before the
 * snapshot is read, written whenever nvidia-smi answers), the process tree's samples while the
 * command lives, and at its end the files it left. The runner calls `started` once the command
 * runs and `ended` once it has exited; neither ever makes the command wait.
 */

import { join } from "node:path";
import { kernelFoldersLater } from "../os/mounts";
import type { RecordKind, SystemPeaks } from "../record/schema";
import type { RunFile } from "../record/writer";
import { linkedStoreFolder } from "../store";
import { describeGpus } from "./environment";
import { NVIDIA_SMI } from "./gpus";
import { folderRule } from "./output-folders";
import { searchStarts } from "./output-globs";
import { findOutputs, KEEP_OUTPUTS_MAX_BYTES, keepOutputs } from "./outputs";
import { OutputsWatch } from "./outputs-watch";
import { DEFAULT_SYSTEM_EVERY_S, SystemSampler } from "./system-sampler";

export interface RunContextOptions {
  /** Record the environment (default true). */
  environment?: boolean;
  /** Seconds between system samples; null: none (default 10). */
  systemEverySeconds?: number | null;
  /** Where to look for outputs and whether to keep copies (default: the whole tree, no copies); null: none. `maxEntries`: findOutputs's. */
  outputs?: { globs: string[]; keep: boolean; maxEntries?: number } | null;
}

export class RunContext {
  private readonly gpus: ReturnType<typeof describeGpus> | null;
  private environmentWritten: Promise<void> | null = null;
  private sampler: SystemSampler | null = null;
  private startedAt = Date.now();
  private outputsWatch: OutputsWatch | null = null;
  private watchAsked = false;
  /** The root a whole search will look in (nothing watches its folders), until the search starts. */
  private wholeSearchRoot: string | null = null;
  /** The mounts that search skips, worked out while the command runs (os/mounts.ts kernelFoldersLater). */
  private kernelFolders: (() => string[] | null) | null = null;
  /** nvidia-smi on PATH (null: not there), looked for once for the GPUs' description and their samples. */
  private nvidiaFound: string | null | undefined;

  /** Asks for the GPUs at once, so nvidia-smi answers while git is read. */
  constructor(
    private readonly options: RunContextOptions,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.gpus = options.environment === false ? null : describeGpus(env, this.nvidia());
  }

  private nvidia(): string | null {
    if (this.nvidiaFound === undefined) this.nvidiaFound = Bun.which(NVIDIA_SMI, { PATH: this.env.PATH ?? "" });
    return this.nvidiaFound;
  }

  /**
   * The moment before the command starts: files changed from then on are its outputs, looked for
   * under `root` (not in `store`). The folders there are watched from now on when `root` is a work
   * tree's top (`workTree`): another root is the folder the run started in, often a home folder,
   * too big to watch and searched whole at the end.
   */
  starting(root: string, store: string, workTree: boolean): void {
    if (workTree) this.watchAhead(root, store);
    if (this.options.outputs !== null && this.outputsWatch === null) this.wholeSearchRoot = root;
    this.startedAt = Date.now();
  }

  /**
   * Starts watching the work tree `root` before `starting` (while git reads it, say): a change
   * seen between the two is not an output, since only files changed after `starting` are.
   */
  watchAhead(root: string, store: string): void {
    if (this.watchAsked) return;
    this.watchAsked = true;
    if (this.options.outputs !== null) this.outputsWatch = OutputsWatch.start(root, folderRule([store]));
  }

  /** Whether the folders are watched (starting()'s decision), until the run ends or never starts. */
  get watching(): boolean {
    return this.outputsWatch !== null;
  }

  /** The command could not start: the watch, if any, is given back. */
  abandoned(): void {
    this.outputsWatch?.close();
    this.outputsWatch = null;
    this.wholeSearchRoot = null;
  }

  /** The command runs as `pid`: the GPUs' answer and the samples go to `runFile` from now on. */
  started(pid: number, runFile: RunFile): void {
    this.environmentWritten =
      this.gpus?.then((value) => {
        if (value) writeNow(runFile, "environment", value);
      }) ?? null;
    const every = this.options.systemEverySeconds === undefined ? DEFAULT_SYSTEM_EVERY_S : this.options.systemEverySeconds;
    if (every !== null) this.sampler = new SystemSampler(pid, every, this.env, (sample) => writeNow(runFile, "system", sample), this.nvidia());
    const root = this.wholeSearchRoot;
    // The part of the search that does not depend on what the command does is done while it runs:
    // on the event loop's next turn, once what reads the command's output is set up.
    if (root !== null)
      setImmediate(() => {
        if (this.wholeSearchRoot === root) this.kernelFolders = kernelFoldersLater(root);
      });
  }

  /** The command has exited: sampling stops; returns the peaks, for run_end. */
  async exited(): Promise<SystemPeaks | undefined> {
    const peaks = await this.sampler?.stop();
    return peaks && (peaks.samples > 0 || peaks.gpu_error) ? peaks : undefined;
  }

  /**
   * After the command's last records: the GPUs' answer (nvidia-smi's time limit bounds the wait),
   * then the outputs under `root`, copied into the store with --keep-outputs.
   */
  async ended(runFile: RunFile, root: string, store: string, runId: string, warn: (message: string) => void): Promise<void> {
    await this.environmentWritten;
    const options = this.options.outputs === undefined ? { globs: [], keep: false } : this.options.outputs;
    const changes = this.outputsWatch?.changes() ?? null;
    this.outputsWatch = null;
    this.wholeSearchRoot = null;
    if (!options) return;
    const request = { root, since: this.startedAt, globs: options.globs, skip: [store], maxEntries: options.maxEntries };
    let value = findOutputs(request, changes, changes === null ? this.kernelFolders?.() : undefined);
    if (value.incomplete) {
      const narrower = searchStarts(options.globs).includes("")
        ? "--outputs 'FOLDER/**' looks only in FOLDER"
        : "the folders --outputs names hold more than that";
      warn(`outputs under ${root}: ${value.incomplete}; ${narrower}`);
    }
    let keep = options.keep;
    if (keep && linkedStoreFolder(store, "outputs")) {
      warn(`outputs not kept: ${join(store, "outputs")} is a symbolic link, and exprag writes through none (remove it: exprag makes this folder itself)`);
      keep = false;
    }
    if (keep) value = keepOutputs(value, store, runId);
    const notKept = keep ? value.files.filter((file) => !file.kept).length : 0;
    if (notKept > 0)
      warn(`${notKept} output${notKept === 1 ? "" : "s"} not kept: together they pass the ${KEEP_OUTPUTS_MAX_BYTES / 1024 ** 3} GiB --keep-outputs keeps`);
    if (value.files.length > 0 || value.more || value.incomplete) writeNow(runFile, "outputs", value);
  }
}

/** Writes one record of exprag's own between the command's batches. */
function writeNow(runFile: RunFile, kind: RecordKind, value: unknown): void {
  runFile.tick();
  runFile.add(kind, JSON.stringify(value));
  runFile.flush();
}
