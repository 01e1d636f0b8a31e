/** What a run does, from its flags, else the project config, else exprag's defaults (flags > env > config). */
import type { ProjectConfig } from "../config";
import { DEFAULT_SNAPSHOT_MAX_BYTES } from "../git/snapshot-limits";
import { isTerminal } from "../os/posix";
import { parseSize } from "../sizes";

/** The run options as flags give them; the others are read by their command. */
export interface RunOptionFlags {
  tag: string[];
  "snapshot-max-size"?: string;
}

/** The run options whose value has a default: what `exprag run`, `sweep` and `rerun` start each run with. */
export interface RunDefaults {
  keepLog: boolean;
  params: boolean;
  snapshot: boolean;
  snapshotMaxBytes: number;
  snapshotExclude: string[];
  /** `not-code` in the project config; undefined: the default (the coding agents' folders). */
  notCode: string[] | undefined;
  name: string | undefined;
  pty: boolean;
  config: ProjectConfig | null;
}

export function runDefaults(
  flags: RunOptionFlags & { log?: boolean; params?: boolean; snapshot?: boolean; name?: string; pty?: boolean },
  config: ProjectConfig | null,
): RunDefaults {
  const size = flags["snapshot-max-size"];
  return {
    keepLog: flags.log ?? config?.log ?? true,
    params: flags.params ?? config?.params ?? true,
    snapshot: flags.snapshot ?? true,
    snapshotMaxBytes: size === undefined ? (config?.snapshotMaxSize ?? DEFAULT_SNAPSHOT_MAX_BYTES) : parseSize(size, "--snapshot-max-size"),
    snapshotExclude: config?.snapshotExclude ?? [],
    notCode: config?.notCode,
    name: flags.name ?? config?.name,
    // `pty = true` in the config makes it the default at a terminal only.
    pty: flags.pty ?? (config?.pty === true && isTerminal(1)),
    config,
  };
}
