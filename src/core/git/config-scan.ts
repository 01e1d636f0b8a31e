/**
 * Whether git's config leaves some keys unset, told from the config files themselves instead of
 * a `git config` process. It answers only where that is certain: the files git reads here are
 * known (Linux, the distribution's git in /usr/bin, whose system file is /etc/gitconfig), no
 * config comes from the environment, no file includes another, and no file holds any of the
 * keys' names anywhere, comments included. Everywhere else it cannot tell, and git is asked.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";

/** git binaries whose system config file is /etc/gitconfig (built with prefix /usr). */
const DISTRIBUTION_GITS = new Set(["/usr/bin/git", "/bin/git"]);

/**
 * True when certainly no config git reads for the repository (`gitDir`, its common folder
 * `commonDir`) sets any key whose name holds one of `words` (lower case), but in lines
 * `harmless` matches (in lower case: a setting to what git does anyway); false when one may.
 */
export function certainlyUnset(gitDir: string, commonDir: string, env: NodeJS.ProcessEnv, words: string[], harmless?: RegExp): boolean {
  const files = configFiles(gitDir, commonDir, env);
  if (files === null) return false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "latin1").toLowerCase();
      if (harmless) text = text.replace(harmless, "");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      return false; // git may read what this cannot
    }
    if (text.includes("include") || words.some((word) => text.includes(word))) return false;
  }
  return true;
}

/**
 * The config files git reads for this repository, or null where they cannot be known here. The
 * files GIT_CONFIG_SYSTEM and GIT_CONFIG_GLOBAL name are read as well as the usual ones, not
 * instead: a git older than 2.32 reads only the usual ones.
 */
export function configFiles(gitDir: string, commonDir: string, env: NodeJS.ProcessEnv): string[] | null {
  if (process.platform !== "linux") return null;
  // `git -c` of a git that started exprag, and GIT_CONFIG_COUNT's pairs, are config too.
  if (Object.keys(env).some((name) => name.startsWith("GIT_CONFIG") && !KNOWN_FILE_VARIABLES.has(name))) return null;
  const { HOME: home, XDG_CONFIG_HOME: xdg, GIT_CONFIG_SYSTEM: system, GIT_CONFIG_GLOBAL: global } = env;
  // A relative path is read from git's own folder, the work tree's top, which this process need not be in.
  if ([home, xdg, system, global].some((path) => path !== undefined && path !== "" && !isAbsolute(path))) return null;
  if (system === "" || global === "") return null;
  const git = Bun.which("git", { PATH: env.PATH ?? "" });
  if (git === null || !DISTRIBUTION_GITS.has(git)) return null;
  const files: string[] = [];
  if (!isTrue(env.GIT_CONFIG_NOSYSTEM)) files.push("/etc/gitconfig", ...(system === undefined ? [] : [system]));
  if (global !== undefined) files.push(global);
  // git takes an empty HOME as set (`/.gitconfig`), an empty XDG_CONFIG_HOME as unset.
  if (xdg) files.push(`${xdg}/git/config`);
  else if (home !== undefined) files.push(`${home}/.config/git/config`);
  if (home !== undefined) files.push(`${home}/.gitconfig`);
  files.push(join(commonDir, "config"), join(gitDir, "config.worktree"));
  return files.filter((file) => file !== "/dev/null");
}

/** Variables that only name which files git reads (handled above), unlike GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT. */
const KNOWN_FILE_VARIABLES = new Set(["GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_GLOBAL"]);

/** git's reading of a boolean variable: only these spell true. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.toLowerCase());
}
