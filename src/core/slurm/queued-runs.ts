/**
 * The points of a Slurm sweep (and the runs of `rerun --slurm`), in the store from the moment they
 * are submitted: each point's run file
 * starts as a run_start marked `queued` (its Slurm task, its params, the sweep's code and tag), so
 * every query lists it, as `pending` until its task's `exprag run` replaces the file with the run
 * itself (src/core/record/writer.ts), or as what Slurm says ended it before it began.
 */
import { VERSION } from "../../version";
import { writeNewFile } from "../os/files";
import { type GitRecord, type QueuedRecord, SCHEMA_VERSION } from "../record/schema";
import { runFilePath } from "../store";

export interface QueuedRun {
  runId: string;
  /** Its params. */
  point: Record<string, unknown>;
}

export interface QueuedRuns {
  store: string;
  jobId: string;
  experimentName: string;
  git: GitRecord | null;
  metadata: Record<string, unknown>;
  tags: string[];
  runs: QueuedRun[];
  /** The run each one repeats (`exprag rerun --slurm`): its run_start's rerun_of and from, as the run will have them. */
  rerunOf?: string;
}

/**
 * Writes each point's queued run file whole under another name, then gives it its own, never over
 * a file: a task that started before this reached its point has written its run already.
 */
export function writeQueuedRuns(queued: QueuedRuns): void {
  const createdAt = new Date().toISOString();
  const common = `{"schema_version":${SCHEMA_VERSION},"exprag_version":${JSON.stringify(VERSION)},`;
  const name = JSON.stringify(queued.experimentName);
  const rerun = queued.rerunOf ? `"rerun_of":${JSON.stringify(queued.rerunOf)},"from":${JSON.stringify(queued.rerunOf)},` : "";
  const shared = `${queued.git ? `"git":${JSON.stringify(queued.git)},` : ""}"metadata":${JSON.stringify(queued.metadata)},${rerun}`;
  queued.runs.forEach((run, index) => {
    const mark: QueuedRecord = { kind: "slurm", job_id: queued.jobId, array_task_id: String(index), ...(queued.tags.length && { tags: queued.tags }) };
    const line = `${common}"run_id":${JSON.stringify(run.runId)},"experiment_name":${name},"kind":"run_start","value":{${shared}"params":${JSON.stringify(run.point)},"queued":${JSON.stringify(mark)}},"created_at":"${createdAt}","elapsed_ms":0}\n`;
    try {
      // A task that started first has written its run there: it stays. A file not written whole (a full disk) is not placed.
      writeNewFile(runFilePath(queued.store, run.runId), line, 0o600);
    } catch {}
  });
}
