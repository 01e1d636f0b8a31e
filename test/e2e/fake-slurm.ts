/** Slurm's clients faked for tests that run anywhere: sbatch answers a job id, scontrol prints what the test wrote. */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitEnv } from "./git-harness";
import { cleanEnv, tempDir } from "./harness";

/**
 * A folder with an sbatch that accepts any job as 77 and an scontrol that prints the file `state`
 * (or fails as Slurm does for a job it forgot), or for its Nth ask the file `state.N` when there
 * is one; an answer that holds `slurm_load_jobs error:` is the error of a controller that
 * gave no answer. Each ask is a line of the file `asks`.
 */
export function fakeSlurm(): { bin: string; state: string; asks: string } {
  const bin = tempDir();
  const state = join(bin, "state");
  const asks = join(bin, "asks");
  writeFileSync(join(bin, "sbatch"), "#!/bin/sh\necho 77\n");
  writeFileSync(
    join(bin, "scontrol"),
    [
      "#!/bin/sh",
      `echo "$*" >> '${asks}'`,
      `answer='${state}'.$(wc -l < '${asks}' | tr -d ' ')`,
      `[ -e "$answer" ] || answer='${state}'`,
      `[ -s "$answer" ] || { echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1; }`,
      `grep -q 'slurm_load_jobs error:' "$answer" && { cat "$answer" >&2; exit 1; }`,
      `cat "$answer"`,
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "sbatch"), 0o755);
  chmodSync(join(bin, "scontrol"), 0o755);
  return { bin, state, asks };
}

/** Runs task `task` of a job script in `cwd` as a node would (no Slurm needed); its exit code. */
export function runTask(script: string, cwd: string, env: Record<string, string | undefined>, task: number): number | null {
  return Bun.spawnSync(["sh", script], { cwd, env: cleanEnv({ ...gitEnv, ...env, SLURM_ARRAY_TASK_ID: String(task) }), stdout: "pipe", stderr: "pipe" })
    .exitCode;
}
