/** Where a run happens: the host, and which coding agent (if any) launched it. */
import os from "node:os";
import type { AgentRecord, HostRecord } from "../record/schema";

export function hostInfo(): HostRecord {
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

/** Environment variables that coding agents set in the shells they start, in order of precedence. */
const AGENT_MARKERS: [variable: string, agent: string][] = [
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
