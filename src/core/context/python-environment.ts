/**
 * The Python environment a command runs in, read from the disk without starting Python: which
 * interpreter the command starts, the environment it belongs to (a virtualenv, a conda
 * environment, or the interpreter's own prefix), its version, and every installed package's
 * name and version from the `*.dist-info` / `*.egg-info` folder names (their METADATA or PKG-INFO
 * when a name carries no version). It reads a folder listing or two, so it is done synchronously.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync } from "node:fs";
import os from "node:os";
import { basename, dirname, join } from "node:path";
import type { PythonEnvironment } from "../record/schema";

const PYTHON_NAME = /^python(\d+(\.\d+)?)?(\.exe)?$/i;
/** Whether `name` is a Python's (`python3.11`); the regular expression is compiled only for names that may be (about 0.1-0.3 ms). */
const isPythonName = (name: string) => name.slice(0, 6).toLowerCase() === "python" && PYTHON_NAME.test(name);

/**
 * The interpreter a command starts: the program itself when it is a Python (through a pyenv shim
 * to the version it picks), else the interpreter on a script's `#!` line (a virtualenv's console
 * scripts, `./train.py`); null otherwise.
 */
export function pythonOf(executable: string, env: NodeJS.ProcessEnv, cwd: string): string | null {
  if (isPythonName(basename(executable))) return pyenvTarget(executable, env, cwd) ?? executable;
  const head = readHead(executable, 256);
  if (!head.startsWith("#!")) return null;
  const words = head.slice(2).split("\n")[0]!.trim().split(/\s+/);
  const program = words[0] && basename(words[0]) === "env" ? words.find((word, i) => i > 0 && !word.startsWith("-")) : words[0];
  if (!program || !isPythonName(basename(program))) return null;
  if (program.includes("/")) return program;
  return Bun.which(program, { PATH: env.PATH ?? "" });
}

/**
 * What a pyenv shim (`<root>/shims/python3`) runs: `<root>/versions/<v>/bin/python3`, where v is
 * PYENV_VERSION, else the nearest `.python-version` up from `cwd`, else `<root>/version`. Null
 * when it is no shim, or picks the system's Python.
 */
function pyenvTarget(shim: string, env: NodeJS.ProcessEnv, cwd: string): string | null {
  const root = dirname(dirname(shim));
  if (basename(dirname(shim)) !== "shims" || !existsSync(join(root, "versions"))) return null;
  let chosen = env.PYENV_VERSION;
  for (let dir = cwd; chosen === undefined; dir = dirname(dir)) {
    chosen = readText(join(dir, ".python-version")) ?? undefined;
    if (dirname(dir) === dir) break;
  }
  chosen ??= readText(join(root, "version")) ?? undefined;
  const version = chosen?.split(/[\s:]+/).find(Boolean);
  if (!version || version === "system" || version.includes("/") || version.startsWith(".")) return null;
  const target = join(root, "versions", version, "bin", basename(shim));
  return existsSync(target) ? target : null;
}

/** The environment of interpreter `python` (a path); null when its folders cannot be read. */
export function readPythonEnvironment(python: string, env: NodeJS.ProcessEnv): PythonEnvironment | null {
  const home = dirname(dirname(python));
  const venvConfig = readText(join(home, "pyvenv.cfg"));
  if (venvConfig !== null) {
    const version = /^\s*version(?:_info)?\s*=\s*(\d+\.\d+(?:\.\d+)?)/m.exec(venvConfig)?.[1] ?? null;
    const withSystem = /^\s*include-system-site-packages\s*=\s*true/im.test(venvConfig);
    const base = withSystem ? baseDirectories(python, env) : [];
    const own = sitePackages(home);
    const packages = packagesIn([...base, ...own]);
    return { version: version ?? versionFromFolders(home), executable: python, prefix: home, kind: "virtualenv", packages };
  }
  if (existsSync(join(home, "conda-meta"))) {
    const packages = packagesIn(sitePackages(home));
    return { version: condaPythonVersion(home) ?? versionFromFolders(home), executable: python, prefix: home, kind: "conda", packages };
  }
  let real: string;
  try {
    real = realpathSync(python);
  } catch {
    return null;
  }
  const prefix = dirname(dirname(real));
  const packages = packagesIn(baseDirectories(python, env));
  const version = headerVersion(prefix) ?? nameVersion(real) ?? nameVersion(python) ?? versionFromFolders(prefix);
  return { version, executable: python, prefix, kind: "system", packages };
}

/** A system interpreter's package folders: its prefix's, /usr/local's (Debian), and the user's. */
function baseDirectories(python: string, env: NodeJS.ProcessEnv): string[] {
  let real = python;
  try {
    real = realpathSync(python);
  } catch {}
  const prefix = dirname(dirname(real));
  const minor = nameVersion(real) ?? nameVersion(python) ?? versionFromFolders(prefix);
  const folders = [...sitePackages(prefix), join(prefix, "lib", "python3", "dist-packages")];
  if (minor) {
    const short = minor.split(".").slice(0, 2).join(".");
    folders.push(join(prefix, "local", "lib", `python${short}`, "dist-packages"));
    if (!env.PYTHONNOUSERSITE) folders.push(join(env.HOME ?? os.homedir(), ".local", "lib", `python${short}`, "site-packages"));
  }
  return folders;
}

/** `<prefix>/lib/pythonX.Y/site-packages` (and dist-packages), or `<prefix>/Lib/site-packages` on Windows. */
function sitePackages(prefix: string): string[] {
  const lib = list(join(prefix, "lib"));
  const versions = lib.filter((name) => /^python\d+\.\d+t?$/.test(name)).sort();
  return [
    ...versions.flatMap((name) => [join(prefix, "lib", name, "site-packages"), join(prefix, "lib", name, "dist-packages")]),
    join(prefix, "Lib", "site-packages"),
  ];
}

/** Packages by normalised name, sorted; a name in several folders has the last folder's version (a virtualenv's own, listed after the system's). */
function packagesIn(folders: string[]): Record<string, string> {
  const found = new Map<string, string>();
  const listed = folders.map((folder) => ({ folder, names: list(folder) }));
  for (const { folder, names } of listed) {
    const entries = names.filter((name) => /\.(dist|egg)-info$/.test(name)).map((name) => packageOf(folder, name));
    for (const entry of entries) if (entry) found.set(entry[0], entry[1]);
  }
  return Object.fromEntries([...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `torch-2.3.1.dist-info` is torch 2.3.1; `foo-1.0-py3.8.egg-info` foo 1.0; a name alone reads METADATA. */
function packageOf(folder: string, entry: string): [string, string] | null {
  const stem = entry.replace(/\.(dist|egg)-info$/, "");
  const dash = stem.indexOf("-");
  const name = dash < 0 ? stem : stem.slice(0, dash);
  let version = dash < 0 ? null : stem.slice(dash + 1).split("-")[0]!;
  if (!version) {
    const path = join(folder, entry);
    const text = readText(join(path, "METADATA")) ?? readText(join(path, "PKG-INFO")) ?? readText(path);
    version = text === null ? null : (/^Version:\s*(\S+)/m.exec(text)?.[1] ?? null);
  }
  return name && version ? [normalizePackageName(name), version] : null;
}

/** PEP 503: lower case, every run of `-`, `_` and `.` one `-`. */
export function normalizePackageName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function condaPythonVersion(prefix: string): string | null {
  const meta = list(join(prefix, "conda-meta"));
  const entry = meta.find((name) => /^python-\d+\.\d+\.\d+-.*\.json$/.test(name));
  return entry ? entry.split("-")[1]! : null;
}

/** `#define PY_VERSION "3.11.4"` in the interpreter's headers, when they are installed. */
function headerVersion(prefix: string): string | null {
  const include = list(join(prefix, "include")).filter((name) => /^python\d+\.\d+/.test(name));
  for (const folder of include) {
    const text = readText(join(prefix, "include", folder, "patchlevel.h"));
    const version = text && /#define\s+PY_VERSION\s+"(\d+\.\d+\.\d+)/.exec(text)?.[1];
    if (version) return version;
  }
  return null;
}

/** `python3.11` names its version (X.Y); `python3` does not say enough. */
function nameVersion(path: string): string | null {
  return /^python(\d+\.\d+)/.exec(basename(path))?.[1] ?? null;
}

/** X.Y from `<prefix>/lib/pythonX.Y`, the newest when there are several. */
function versionFromFolders(prefix: string): string | null {
  const versions = list(join(prefix, "lib")).flatMap((name) => /^python(\d+\.\d+)$/.exec(name)?.[1] ?? []);
  return versions.sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1])).at(-1) ?? null;
}

function readHead(path: string, bytes: number): string {
  try {
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(bytes);
      return buffer.toString("utf8", 0, readSync(fd, buffer, 0, bytes, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}

function list(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
