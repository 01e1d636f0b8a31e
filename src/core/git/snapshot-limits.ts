/** What a snapshot of a dirty tree leaves out, and its default: the project config and the run options set it. */

/** Untracked files larger than this stay out of snapshots unless --snapshot-max-size says otherwise. */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 10 * 1024 * 1024;

/** What a snapshot leaves out: untracked files over a size, and those the project excludes. */
export interface SnapshotLimits {
  maxUntrackedBytes: number;
  exclude?: string[];
  /** What is not the experiment's code (default: the coding agents' folders). */
  notCode?: string[];
  /** Untracked files that look like secrets are taken too (--snapshot-secrets). */
  includeSecrets?: boolean;
}
