/**
 * The binary starts with JavaScriptCore's JIT more reluctant to compile than usual (the build's
 * `jitPolicy`): almost all a run does before its command starts is code run once, and compiling
 * it took CPU from git status's threads on the same cores. What goes on past a start (reading the
 * command's output, a query over thousands of runs, the MCP server) first asks for the usual JIT.
 * The entry (main.ts) does the same for every command but `run`, inline: it imports nothing.
 */

/** How many times the usual tier-up thresholds the binary starts with. */
export const START_JIT_POLICY = 10;

export function usualJit(): void {
  Bun.unsafe.setJITPolicy(1);
}
