/**
 * What a command runs with. Its Python environment (when it is a Python command) is a folder
 * listing or two, read before run_start is written. The machine's GPUs come from `nvidia-smi` (else `rocm-smi`),
 * which may take a while: it is asked before the snapshot is read, so it answers in parallel, and
 * its answer becomes an `environment` record whenever it comes; the command never waits for it.
 */
import type { EnvironmentValue, PythonEnvironment } from "../record/schema";
import { ROCM_SMI, readGpus, readRocmGpus } from "./gpus";
import { pythonOf, readPythonEnvironment } from "./python-environment";

/** How long `nvidia-smi` may take to describe the GPUs before it is killed. */
export const GPU_QUERY_TIMEOUT_MS = 3000;

/** The Python environment of the program `executable`; null when it is not a Python command. */
export function pythonEnvironmentOf(executable: string, env: NodeJS.ProcessEnv, cwd: string): PythonEnvironment | null {
  const python = pythonOf(executable, env, cwd);
  return python ? readPythonEnvironment(python, env) : null;
}

/**
 * The GPUs, or why they could not be described; null when there is neither nvidia-smi (`nvidia`,
 * found on PATH) nor rocm-smi. Never throws.
 */
export async function describeGpus(env: NodeJS.ProcessEnv, nvidia: string | null, timeoutMs = GPU_QUERY_TIMEOUT_MS): Promise<EnvironmentValue | null> {
  const rocm = nvidia ? null : Bun.which(ROCM_SMI, { PATH: env.PATH ?? "" });
  if (!nvidia && !rocm) return null;
  const answer = nvidia ? await readGpus(nvidia, env, timeoutMs) : await readRocmGpus(rocm!, env, timeoutMs);
  if ("error" in answer) return { errors: [answer.error] };
  return answer.gpus.length ? { gpus: answer.gpus } : null;
}
