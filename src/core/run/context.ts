/** Where a run happens: the host, its accelerators and its batch job (the agent: record/author.ts). */
import os from "node:os";
import { loginName } from "../record/author";
import { archName, osName } from "../record/host-names";
import type { HostRecord, SchedulerRecord } from "../record/schema";

export function hostInfo(): HostRecord {
  return {
    hostname: os.hostname(),
    os: osName(process.platform),
    arch: archName(process.arch),
    username: loginName(),
    cpu_count: os.availableParallelism(),
  };
}

/** The accelerators a run was given, as the environment names them (a sweep's --gpus sets them). */
export function devicesOf(env: NodeJS.ProcessEnv): Record<string, string> | null {
  const devices = Object.fromEntries(DEVICE_VARIABLES.filter((name) => env[name] !== undefined).map((name) => [name, env[name]!]));
  return Object.keys(devices).length ? devices : null;
}

const DEVICE_VARIABLES = ["CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES"];

/** The batch scheduler job a run is part of, when its environment says: SLURM, PBS, LSF or Kubernetes. */
export function schedulerOf(env: NodeJS.ProcessEnv): SchedulerRecord | null {
  const pick = (fields: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""));
  if (env.SLURM_JOB_ID) {
    return {
      kind: "slurm",
      job_id: env.SLURM_JOB_ID,
      ...pick({
        array_job_id: env.SLURM_ARRAY_JOB_ID,
        array_task_id: env.SLURM_ARRAY_TASK_ID,
        node: env.SLURMD_NODENAME,
        job_name: env.SLURM_JOB_NAME,
        restart_count: env.SLURM_RESTART_COUNT,
      }),
    };
  }
  if (env.PBS_JOBID) return { kind: "pbs", job_id: env.PBS_JOBID, ...pick({ array_task_id: env.PBS_ARRAY_INDEX, node: env.PBS_O_HOST }) };
  if (env.LSB_JOBID) return { kind: "lsf", job_id: env.LSB_JOBID, ...pick({ array_task_id: env.LSB_JOBINDEX }) };
  if (env.KUBERNETES_SERVICE_HOST && env.HOSTNAME)
    return { kind: "kubernetes", job_id: env.HOSTNAME, ...pick({ pod: env.HOSTNAME, namespace: env.POD_NAMESPACE }) };
  return null;
}
