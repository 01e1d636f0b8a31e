/**
 * The code a sweep's runs record. It is read once, at the start (one snapshot for every run), and
 * read again before a run starts when the work tree no longer holds it (an edit, a commit, a
 * file an earlier run wrote): the command runs the files it finds, so a run records those.
 */

import { type CaptureOptions, type PreparedCode, prepareCode } from "../git/capture";
import { openRepository } from "../git/repository";
import { currentTree } from "../git/restore";
import type { RunDefaults } from "../run/defaults";
import { experimentNameFor } from "../run/experiment-name";

export class SweepCode {
  private prepared: PreparedCode;
  private handedOut = 0;
  /** The repository (or why there is none) as found at the start, for the sweep's worktree: found once. */
  readonly repository: ReturnType<typeof openRepository>;

  constructor(
    private readonly options: CaptureOptions & { label?: string },
    private readonly warn: (message: string) => void,
  ) {
    this.repository = openRepository(options.cwd, options.env);
    this.prepared = prepareCode(options, this.repository);
  }

  /** The code as prepared at the start. */
  get first(): PreparedCode {
    return this.prepared;
  }

  /** The code for the run about to start (`number`, from 1, names it in the warning). */
  forRun(number: number): PreparedCode {
    if (this.handedOut++ > 0 && this.changed()) {
      this.warn(`the work tree changed while the sweep ran: run ${number} and the runs after it record its code as it is now`);
      // No progress line now: the runs have the terminal.
      this.prepared = prepareCode({ ...this.options, progress: undefined });
    }
    return this.prepared;
  }

  private changed(): boolean {
    const recorded = this.prepared.git;
    const opened = openRepository(this.options.cwd, this.options.env);
    if (typeof opened === "string") return false;
    const { git, repo } = opened;
    if (repo.head !== recorded.head) return true;
    // Without a snapshot (or when it failed) only HEAD says what the code is.
    if (!this.options.snapshot || recorded.tree === null || recorded.tree === undefined) return false;
    try {
      const { tree } = currentTree(git, repo, this.options.store, {
        maxUntrackedBytes: this.options.maxUntrackedBytes,
        exclude: this.options.exclude,
        notCode: this.options.notCode,
        includeSecrets: this.options.includeSecrets,
      });
      return tree !== recorded.tree;
    } catch {
      return false;
    }
  }
}

/** The code a sweep's runs share, read once: a local sweep's and a Slurm sweep's alike. */
export function sweepCode(
  sweepId: string,
  command: string[],
  includeSecrets: boolean,
  defaults: RunDefaults,
  where: { cwd: string; env: NodeJS.ProcessEnv; store: string },
  warn: (message: string) => void,
  progress?: CaptureOptions["progress"],
): SweepCode {
  return new SweepCode(
    {
      ...where,
      runId: `sweep-${sweepId}`,
      label: `sweep ${sweepId}`,
      experimentName: defaults.name ?? experimentNameFor(command),
      snapshot: defaults.snapshot,
      maxUntrackedBytes: defaults.snapshotMaxBytes,
      includeSecrets,
      exclude: defaults.snapshotExclude,
      notCode: defaults.notCode,
      ...(progress && { progress }),
    },
    warn,
  );
}
