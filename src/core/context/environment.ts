/**
 * What a command runs with, read while it starts (never before): its Python environment when it
 * is a Python command, and the machine's GPUs when `nvidia-smi` is there.
 */
import type { EnvironmentValue } from "../record/schema";
import { NVIDIA_SMI, readGpus } from "./gpus";
import { pythonOf, readPythonEnvironment } from "./python-environment";

/** How long `nvidia-smi` may take to describe the GPUs before it is killed. */
export const GPU_QUERY_TIMEOUT_MS = 3000;

export async function readEnvironment(executable: string, env: NodeJS.ProcessEnv, timeoutMs = GPU_QUERY_TIMEOUT_MS): Promise<EnvironmentValue> {
  const tool = Bun.which(NVIDIA_SMI, { PATH: env.PATH ?? "" });
  const [python, gpus] = await Promise.all([
    pythonOf(executable, env).then((found) => (found ? readPythonEnvironment(found, env) : null)),
    tool ? readGpus(tool, env, timeoutMs) : null,
  ]);
  const errors = gpus && "error" in gpus ? [gpus.error] : [];
  return {
    ...(python && { python }),
    ...(gpus && "gpus" in gpus && gpus.gpus.length > 0 && { gpus: gpus.gpus }),
    ...(errors.length > 0 && { errors }),
  };
}
