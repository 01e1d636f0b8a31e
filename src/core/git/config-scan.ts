/**
 * Whether git's config leaves some keys unset, told from the config files themselves instead of
 * a `git config` process. It answers only where that is certain: the files git reads here are
 * known (Linux, the distribution's git in /usr/bin, whose system file is /etc/gitconfig), no
 * config comes from the environment, no file includes another, and no file holds any of the
 * keys' names anywhere, comments included. Everywhere else it cannot tell, and git is asked.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

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

/** The config files git reads for this repository, or null where they cannot be known here. */
function configFiles(gitDir: string, commonDir: string, env: NodeJS.ProcessEnv): string[] | null {
  if (process.platform !== "linux") return null;
  // `git -c` of a git that started exprag, and GIT_CONFIG_COUNT's pairs, are config too.
  if (Object.keys(env).some((name) => name.startsWith("GIT_CONFIG") && !KNOWN_FILE_VARIABLES.has(name))) return null;
  if (env.GIT_CONFIG_SYSTEM === "" || env.GIT_CONFIG_GLOBAL === "") return null;
  const git = Bun.which("git", { PATH: env.PATH ?? "" });
  if (git === null || !DISTRIBUTION_GITS.has(git)) return null;
  const files: string[] = [];
  if (!isTrue(env.GIT_CONFIG_NOSYSTEM)) files.push(env.GIT_CONFIG_SYSTEM ?? "/etc/gitconfig");
  if (env.GIT_CONFIG_GLOBAL !== undefined) files.push(env.GIT_CONFIG_GLOBAL);
  else {
    if (env.XDG_CONFIG_HOME) files.push(join(env.XDG_CONFIG_HOME, "git", "config"));
    else if (env.HOME) files.push(join(env.HOME, ".config", "git", "config"));
    if (env.HOME) files.push(join(env.HOME, ".gitconfig"));
  }
  files.push(join(commonDir, "config"), join(gitDir, "config.worktree"));
  return files.filter((file) => file !== "/dev/null");
}

/** Variables that only name which files git reads (handled above), unlike GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT. */
const KNOWN_FILE_VARIABLES = new Set(["GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_GLOBAL"]);

/** git's reading of a boolean variable: only these spell true. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.toLowerCase());
}
