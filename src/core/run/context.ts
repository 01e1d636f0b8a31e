/** Where a run happens: host, process, and which coding agent (if any) launched it. */
import { readFileSync } from "node:fs";
import os from "node:os";

export interface HostInfo {
  hostname: string;
  os: string;
  arch: string;
  username: string | null;
  cpu_count: number;
}

/** Enough to tell later whether the exprag process that wrote a run is still alive. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Linux: the boot and the process start time in clock ticks since boot; null elsewhere. */
  boot_id: string | null;
  start_ticks: number | null;
}

export function hostInfo(): HostInfo {
  return {
    hostname: os.hostname(),
    os: process.platform,
    arch: process.arch,
    username: username(),
    cpu_count: os.availableParallelism(),
  };
}

function username(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? null;
  }
}

export function processIdentity(pid = process.pid): ProcessIdentity {
  return { host: os.hostname(), pid, boot_id: readBootId(), start_ticks: readStartTicks(pid) };
}

function readBootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces and parentheses. */
export function readStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** Environment variables that coding agents set in the shells they start, in order of precedence. */
const AGENT_MARKERS: [variable: string, agent: string][] = [
  ["CLAUDECODE", "claude-code"],
  ["CODEX_THREAD_ID", "codex"],
  ["CODEX_SANDBOX", "codex"],
  ["GEMINI_CLI", "gemini-cli"],
  ["CURSOR_AGENT", "cursor"],
  ["OPENCODE", "opencode"],
];

export interface AgentHint {
  name: string;
  /** The variable it was recognised by. */
  env: string;
}

export function detectAgent(env: NodeJS.ProcessEnv): AgentHint | null {
  for (const [variable, agent] of AGENT_MARKERS) {
    if (!env[variable]) continue;
    return { name: agent, env: variable };
  }
  return null;
}
