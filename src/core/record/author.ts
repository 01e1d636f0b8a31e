/**
 * Who is acting: the coding agent recognised from the environment it gave its shell, else the
 * user (git's user.name, else the login name). A run records its agent; a tag, a note, a decision
 * and a project note record their author.
 */
import type { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { asObject } from "./json-values";
import type { AgentRecord } from "./schema";

/** Who wrote an annotation: the coding agent recognised from the environment, else the user. */
export interface Author {
  kind: "agent" | "user";
  name: string;
}

/** Environment variables that coding agents set in the shells they start, in order of precedence. */
export const AGENT_MARKERS: [variable: string, agent: string][] = [
  ["CLAUDECODE", "claude-code"],
  ["CODEX_THREAD_ID", "codex"],
  ["CODEX_SANDBOX", "codex"],
  ["GEMINI_CLI", "gemini-cli"],
  ["CURSOR_AGENT", "cursor"],
  ["OPENCODE", "opencode"],
];

export function detectAgent(env: NodeJS.ProcessEnv): AgentRecord | null {
  for (const [variable, agent] of AGENT_MARKERS) {
    if (!env[variable]) continue;
    return { name: agent, env: variable };
  }
  return null;
}

/**
 * The login name of the user running this: the environment's USER, USERNAME or LOGNAME, else the
 * password file's name for this uid; null when nothing says. (The runtime's `os.userInfo()` says
 * "unknown" whenever USER is unset, as under cron, systemd or `docker exec`.)
 */
export function loginName(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.USER || env.USERNAME || env.LOGNAME || passwdName();
}

function passwdName(): string | null {
  if (typeof process.getuid !== "function") return null;
  const uid = String(process.getuid());
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , id] = line.split(":");
      if (id === uid && name) return name;
    }
  } catch {}
  return null;
}

/** git's user.name as `cwd` sees it; null without git or without one configured. */
function gitUserName(cwd: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (cwd === undefined) return null;
  try {
    // node:child_process is loaded only here: every run imports this module, few need git's name.
    const spawn = (require("node:child_process") as { spawnSync: typeof spawnSync }).spawnSync;
    const result = spawn("git", ["config", "--get", "user.name"], { cwd, env, encoding: "utf8", timeout: 5000 });
    const name = result.status === 0 ? result.stdout.trim() : "";
    // A name is one line a person can read; anything else is not trusted as one.
    return name && name.length <= 200 && !/\p{C}/u.test(name) ? name : null;
  } catch {
    return null;
  }
}

/**
 * Who writes a tag, a note or a decision: the coding agent this runs under, else the MCP client
 * by the name it gave (an agent too), else the user as git knows them in `cwd` (when given), else
 * the login name.
 */
export function currentAuthor(env: NodeJS.ProcessEnv, cwd?: string, clientName?: string | null): Author {
  const agent = detectAgent(env);
  if (agent) return { kind: "agent", name: agent.name };
  if (clientName) return { kind: "agent", name: clientName };
  return { kind: "user", name: gitUserName(cwd, env) ?? loginName(env) ?? `user@${os.hostname()}` };
}

/** The author of a stored annotation; null when it names none. */
export function decodeAuthor(record: object): Author | null {
  const author = asObject((record as { author?: unknown }).author);
  if (typeof author.name !== "string") return null;
  return { kind: author.kind === "agent" ? "agent" : "user", name: author.name };
}
