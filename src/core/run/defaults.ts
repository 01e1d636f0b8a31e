/** What a run does, from its flags, else the project config, else exprag's defaults (flags > env > config). */
import type { ProjectConfig } from "../config";
import { DEFAULT_SYSTEM_EVERY_S } from "../context/system-sampler";
import { usageError } from "../errors";
import { DEFAULT_SNAPSHOT_MAX_BYTES } from "../git/snapshot-limits";
import { isTerminal } from "../os/posix";
import type { StopRule } from "../rules/stop-rule";
import { parseSize } from "../sizes";
import { durationMs, parseDuration } from "../time";
import { DEFAULT_STOP_GRACE_MS, type StopPolicy } from "./stop-policy";

/** The run options as flags give them; the others are read by their command. */
export interface RunOptionFlags {
  tag: string[];
  "snapshot-max-size"?: string;
  "stop-when": string[];
  "time-limit"?: string;
  "stop-grace"?: string;
  env?: boolean;
  system?: boolean;
  "system-every"?: string;
  outputs?: string[];
  "keep-outputs"?: boolean;
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
  /** The config's stop rules and the flags', and the time limit (the flag's, else the config's). */
  stop: StopPolicy;
  environment: boolean;
  /** Seconds between system samples; null: none. */
  systemEverySeconds: number | null;
  outputs: { globs: string[]; keep: boolean };
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
    stop: stopPolicy(flags, config),
    environment: flags.env ?? true,
    systemEverySeconds:
      flags.system === false ? null : flags["system-every"] === undefined ? DEFAULT_SYSTEM_EVERY_S : parseSeconds(flags["system-every"], "--system-every"),
    outputs: {
      globs: flags.outputs?.length ? flags.outputs : (config?.outputs ?? []),
      keep: flags["keep-outputs"] ?? config?.keepOutputs ?? false,
    },
    config,
  };
}

/** Every rule and duration checked here, so a bad one stops a run, sweep or rerun before it starts. */
function stopPolicy(flags: RunOptionFlags, config: ProjectConfig | null): StopPolicy {
  const inConfig = (key: string) => `${key} in ${config?.source}`;
  const limit = flags["time-limit"] ?? config?.timeLimit;
  const limitOption = flags["time-limit"] === undefined ? inConfig("time-limit") : "--time-limit";
  const grace = flags["stop-grace"] ?? config?.stopGrace;
  const graceOption = flags["stop-grace"] === undefined ? inConfig("stop-grace") : "--stop-grace";
  return {
    rules: [...stopRulesOf(config?.stopWhen ?? [], inConfig("stop-when")), ...stopRulesOf(flags["stop-when"])],
    timeLimit: limit === undefined ? null : { ms: parseDuration(limit, limitOption), text: limit },
    graceMs: grace === undefined ? DEFAULT_STOP_GRACE_MS : parseDuration(grace, graceOption),
  };
}

/** Rules read by the --where language's code, loaded only when there are some: a run without rules starts without it. */
function stopRulesOf(texts: string[], option?: string): StopRule[] {
  if (texts.length === 0) return [];
  return (require("../rules/stop-rule") as typeof import("../rules/stop-rule")).parseStopRules(texts, option);
}

/** A number of seconds from 0.05 to a day, read as every duration is (so `500ms` and `2m` are taken too). */
function parseSeconds(text: string, option: string): number {
  const seconds = (durationMs(text) ?? Number.NaN) / 1000;
  if (!(seconds >= 0.05 && seconds <= 86400)) throw usageError(`${option} must be a number of seconds from 0.05 to 86400, got "${text}"`);
  return seconds;
}
