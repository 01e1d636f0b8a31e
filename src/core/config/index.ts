/**
 * The project config: defaults a project wants once rather than on every command line, in
 * `.exprag.toml` (keys at the top) or in the `[tool.exprag]` table of `pyproject.toml`. The
 * nearest folder holding either, from the current directory up to the top of the git work tree
 * (outside a work tree: the current directory alone), has it; in one folder `.exprag.toml` wins.
 * Keys are named as the options are; an unknown key or a value of the wrong type is a usage error
 * naming the file and the key. Flags win over the environment, which wins over this.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EXIT, errnoReason, UserError } from "../errors";
import { DEFAULT_SNAPSHOT_MAX_BYTES, type SnapshotLimits } from "../git/snapshot-limits";
import { findWorkTreeTop } from "../git/work-tree-top";
import { didYouMean } from "../suggest";
import { KEYS } from "./keys";
import type { ProjectConfig } from "./project-config";
import { isTable, type Table } from "./values";

/**
 * A pyproject.toml's text that may hold `[tool.exprag]`: the table or a dotted key, or an inline
 * table `exprag = {...}` under `[tool]` (not a dependency named exprag: `"exprag==0.1"`, Poetry's `exprag = "^0.1"`).
 */
const EXPRAG_TABLE = /\btool\s*\.\s*"?exprag"?\s*[\].=]|^\s*\[\s*tool\s*\][^[]*^\s*"?exprag"?\s*=\s*\{/m;

export type { ProjectConfig, SlurmConfig } from "./project-config";

export const CONFIG_FILE = ".exprag.toml";
export const PYPROJECT_FILE = "pyproject.toml";

export const CONFIG_KEYS = Object.keys(KEYS);

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
      // A pyproject.toml without exprag's table is no concern of exprag's, even a broken one (one
      // that names exprag as a dependency among them).
      const table = EXPRAG_TABLE.test(text) ? toolTable(pyproject, parseToml(pyproject, text)) : undefined;
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

/** What the project's snapshots leave out, so a work tree compares equal to a run of the same code. */
export function projectSnapshotLimits(config: ProjectConfig | null): SnapshotLimits {
  return { maxUntrackedBytes: config?.snapshotMaxSize ?? DEFAULT_SNAPSHOT_MAX_BYTES, exclude: config?.snapshotExclude, notCode: config?.notCode };
}
