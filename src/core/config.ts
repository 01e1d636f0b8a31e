/**
 * The project config: defaults a project wants once rather than on every command line, in
 * `.exprag.toml` (keys at the top) or in the `[tool.exprag]` table of `pyproject.toml`. The
 * nearest folder holding either, from the current directory up to the top of the git work tree
 * (outside a work tree: the current directory alone), has it; in one folder `.exprag.toml` wins.
 * Keys are named as the options are; an unknown key or a value of the wrong type is a usage error
 * naming the file and the key. Flags win over the environment, which wins over this.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { EXIT, errnoReason, UserError } from "./errors";
import { DEFAULT_SNAPSHOT_MAX_BYTES, type SnapshotLimits } from "./git/snapshot-limits";
import { findWorkTreeTop } from "./git/work-tree-top";
import { parseSize } from "./sizes";
import { didYouMean } from "./suggest";
import { durationMs } from "./time";

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

export const CONFIG_FILE = ".exprag.toml";
export const PYPROJECT_FILE = "pyproject.toml";

type Table = Record<string, unknown>;

/** Each key: how its value is checked and where it goes. */
const KEYS: Record<string, (value: unknown, at: Where, config: ProjectConfig) => void> = {
  dir: (value, at, config) => {
    const dir = resolve(dirname(at.file), text(value, at));
    // Refused only when it is used: --dir or EXPRAG_DIR still choose any folder.
    const refusal = storeRefusal(dir, at);
    if (refusal) config.dirRefused = refusal;
    else config.dir = dir;
  },
  "snapshot-max-size": (value, at, config) => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) config.snapshotMaxSize = value;
    else if (typeof value === "string") config.snapshotMaxSize = parseSize(value, `${at.key} in ${at.file}`);
    else throw wrongType(at, 'a size such as "10M", "500K", or a number of bytes', value);
  },
  "snapshot-exclude": (value, at, config) => {
    if (!Array.isArray(value) || !value.every((glob) => typeof glob === "string" && glob !== "" && !glob.includes("\0"))) {
      throw wrongType(at, 'a list of globs such as ["*.ckpt", "data/**"]', value);
    }
    config.snapshotExclude = value;
  },
  "not-code": (value, at, config) => {
    if (!Array.isArray(value) || !value.every((glob) => typeof glob === "string" && glob !== "" && !glob.includes("\0"))) {
      throw wrongType(at, 'a list of folders and globs such as [".claude/", "notes/**"]', value);
    }
    config.notCode = value;
  },
  log: (value, at, config) => {
    config.log = flag(value, at);
  },
  params: (value, at, config) => {
    config.params = flag(value, at);
  },
  name: (value, at, config) => {
    config.name = text(value, at);
  },
  pty: (value, at, config) => {
    config.pty = flag(value, at);
  },
  outputs: (value, at, config) => {
    if (!Array.isArray(value) || !value.every((glob) => typeof glob === "string" && glob !== "" && !glob.includes("\0"))) {
      throw wrongType(at, 'a list of globs such as ["checkpoints/**", "*.pt"]', value);
    }
    config.outputs = value;
  },
  "keep-outputs": (value, at, config) => {
    config.keepOutputs = flag(value, at);
  },
  goal: (value, at, config) => {
    if (!isTable(value)) throw wrongType(at, 'a table: [goal] metric = "val_bpb", direction = "min"', value);
    for (const key of Object.keys(value))
      if (key !== "metric" && key !== "direction")
        throw new UserError(`${at.file}: unknown key "${key}" in ${at.key}`, EXIT.usage, "known keys: metric, direction");
    const metric = text(value.metric, { ...at, key: `${at.key}.metric` });
    const direction = value.direction;
    if (direction !== undefined && direction !== "max" && direction !== "min")
      throw wrongType({ ...at, key: `${at.key}.direction` }, '"max" or "min"', direction);
    config.goal = { metric, ...(direction !== undefined && { direction }) };
  },
  "seed-params": (value, at, config) => {
    if (!Array.isArray(value) || !value.every((name) => typeof name === "string" && name !== ""))
      throw wrongType(at, 'a list of param names such as ["seed"]', value);
    config.seedParams = value;
  },
  "stop-when": (value, at, config) => {
    const rules = typeof value === "string" ? [value] : value;
    if (!Array.isArray(rules) || !rules.every((rule) => typeof rule === "string"))
      throw wrongType(at, 'a rule or a list of rules such as ["diverged", "metrics.loss > 5"]', value);
    config.stopWhen = rules;
  },
  "time-limit": (value, at, config) => {
    config.timeLimit = duration(value, at);
  },
  "stop-grace": (value, at, config) => {
    config.stopGrace = duration(value, at);
  },
  slurm: (value, at, config) => {
    if (!isTable(value)) throw wrongType(at, "a table ([slurm]) of partition, time, gpus and extra", value);
    const slurm: SlurmConfig = {};
    for (const [key, item] of Object.entries(value)) {
      const inner = { ...at, key: `${at.key}.${key}` };
      if (key === "partition" || key === "time") slurm[key] = text(item, inner);
      else if (key === "gpus") {
        if (typeof item !== "number" || !Number.isSafeInteger(item) || item < 0) throw wrongType(inner, "a whole number of GPUs per task", item);
        slurm.gpus = item;
      } else if (key === "extra") {
        if (!Array.isArray(item) || !item.every((word) => typeof word === "string" && word.startsWith("-") && !word.includes("\0")))
          throw wrongType(inner, 'a list of sbatch options such as ["--qos=low", "--account=lab"]', item);
        slurm.extra = item;
      } else throw new UserError(`${at.file}: unknown key "${key}" in [slurm]`, EXIT.usage, "[slurm] takes partition, time, gpus and extra");
    }
    config.slurm = slurm;
  },
};

/** A duration as written ("10m"), or a number of seconds; checked where it is used. */
function duration(value: unknown, at: Where): string {
  if (typeof value === "number" && value > 0) return String(value);
  if (typeof value === "string" && durationMs(value) !== null) return value;
  throw wrongType(at, 'a duration such as "90s", "10m", "2h", or a number of seconds', value);
}

export const CONFIG_KEYS = Object.keys(KEYS);

interface Where {
  file: string;
  /** The work tree the file is in (outside one: the file's folder). */
  top: string;
  /** How the key is written in messages: `log`, or `[tool.exprag] log`. */
  key: string;
}

/** The project config that applies in `cwd`, or null when there is none. */
export function loadProjectConfig(cwd: string, env: NodeJS.ProcessEnv = process.env): ProjectConfig | null {
  const found = findProjectConfig(cwd, env);
  return found && readProjectConfig(found.file, found.table, env);
}

/** The nearest config file, and the table it keeps its keys in; null when there is none. */
export function findProjectConfig(cwd: string, env: NodeJS.ProcessEnv = process.env): { file: string; table: Table } | null {
  const top = findWorkTreeTop(cwd, env);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const own = join(dir, CONFIG_FILE);
    if (isFile(own)) return { file: own, table: parseToml(own) };
    const pyproject = join(dir, PYPROJECT_FILE);
    if (isFile(pyproject)) {
      const text = readText(pyproject);
      // A pyproject.toml that never names exprag is no concern of exprag's, even a broken one.
      const table = text.includes("exprag") ? toolTable(pyproject, parseToml(pyproject, text)) : undefined;
      if (table) return { file: pyproject, table };
    }
    if (top === null || dir === top || !dir.startsWith(top) || dirname(dir) === dir) return null;
  }
}

/** The config a file's table holds, every key and value checked. */
export function readProjectConfig(file: string, table: Table, env: NodeJS.ProcessEnv = process.env): ProjectConfig {
  const config: ProjectConfig = { source: file };
  const inPyproject = file.endsWith(PYPROJECT_FILE);
  const top = findWorkTreeTop(dirname(file), env) ?? dirname(file);
  for (const [key, value] of Object.entries(table)) {
    const at = { file, top, key: inPyproject ? `[tool.exprag] ${key}` : key };
    const check = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (!check) {
      const suggestion = didYouMean(key, CONFIG_KEYS);
      throw new UserError(
        `${file}: unknown key "${key}"${inPyproject ? " in [tool.exprag]" : ""}`,
        EXIT.usage,
        `${suggestion ? `${suggestion} ` : ""}known keys: ${CONFIG_KEYS.join(", ")}`,
      );
    }
    check(value, at, config);
  }
  return config;
}

function toolTable(file: string, document: Table): Table | undefined {
  const tool = document.tool;
  if (!isTable(tool) || !Object.hasOwn(tool, "exprag")) return undefined;
  if (!isTable(tool.exprag)) throw new UserError(`${file}: tool.exprag must be a table ([tool.exprag])`, EXIT.usage);
  return tool.exprag;
}

function parseToml(file: string, text = readText(file)): Table {
  try {
    return Bun.TOML.parse(text) as Table;
  } catch (error) {
    // Bun's error names no place in the file (its line and column are the caller's).
    const reason = String((error as Error).message ?? error).replace(/^TOML Parse error: /, "");
    throw new UserError(`${file}: not valid TOML (${reason})`, EXIT.usage);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError(`cannot read ${file} (${errnoReason(error)})`, EXIT.usage);
  }
}

function isFile(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const isTable = (value: unknown): value is Table => typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);

function wrongType(at: Where, expected: string, value: unknown): UserError {
  return new UserError(`${at.file}: ${at.key} must be ${expected}, got ${describe(value)}`, EXIT.usage);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `a list (${JSON.stringify(value)})`;
  if (isTable(value)) return "a table";
  return String(value);
}

function text(value: unknown, at: Where): string {
  if (typeof value !== "string" || value === "" || value.includes("\0")) throw wrongType(at, "a non-empty string", value);
  return value;
}

/**
 * A store a project config names (a cloned repository may commit one) stays inside the work tree
 * and outside `.git`, links followed; only --dir and EXPRAG_DIR may put it anywhere.
 */
function storeRefusal(store: string, at: Where): UserError | null {
  const top = realPrefix(at.top);
  const inside = relative(top, realPrefix(store));
  const parts = inside.split(sep);
  const outside = inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside);
  if (outside || parts.some((part) => part.toLowerCase() === ".git")) {
    return new UserError(
      `${at.file}: ${at.key} = ${JSON.stringify(store)} is ${outside ? `not a folder inside the work tree ${at.top}` : "inside .git"}; a project config keeps the store in the work tree, outside .git`,
      EXIT.usage,
      "name a folder inside the project (such as .exprag), or choose any folder with --dir DIR or EXPRAG_DIR",
    );
  }
  return null;
}

/** The path with its longest existing start resolved through links, the rest as written. */
function realPrefix(path: string): string {
  let rest = "";
  for (let at = resolve(path); ; at = dirname(at)) {
    try {
      return join(realpathSync(at), rest);
    } catch {
      if (dirname(at) === at) return resolve(path);
      rest = join(basename(at), rest);
    }
  }
}

function flag(value: unknown, at: Where): boolean {
  if (typeof value !== "boolean") throw wrongType(at, "true or false", value);
  return value;
}

/** What the project's snapshots leave out, so a work tree compares equal to a run of the same code. */
export function projectSnapshotLimits(config: ProjectConfig | null): SnapshotLimits {
  return { maxUntrackedBytes: config?.snapshotMaxSize ?? DEFAULT_SNAPSHOT_MAX_BYTES, exclude: config?.snapshotExclude, notCode: config?.notCode };
}
