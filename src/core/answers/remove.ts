/** `exprag rm`: runs deleted, with their output logs and snapshot refs; a run still being written only when forced. */
import { EXIT, UserError, usageError } from "../errors";
import { removeRun } from "../git/remove-run";
import { openRepository } from "../git/repository";
import { isFiltered, type Selection, selectRuns } from "../query/selection";
import { summarizeRun } from "../query/summary";
import { shortId } from "../record/refs";
import { refuseLinkedStore } from "../store";
import type { AnswerContext } from "./context";

export interface RemoveRequest {
  selection: Selection;
  /** Delete runs still being written too. */
  force: boolean;
  /** Asked once the runs are known, before anything goes; false deletes nothing. */
  confirm(runIds: string[]): boolean;
  /** Told of each run as it is deleted. */
  onDeleted?(runId: string): void;
}

export interface RemoveAnswer {
  data: { deleted: string[]; failed: { run_id: string; failures: string[] }[]; refs_kept: string[] };
  /** How many runs were to go. */
  total: number;
}

export function answerRemove(request: RemoveRequest, { store, cwd, env, warn }: AnswerContext): RemoveAnswer {
  const { selection } = request;
  if (!selection.references.length && !isFiltered(selection))
    throw usageError("rm needs the runs to delete: run references, or a selection such as --name or --where", "usage: exprag rm <run>... [--yes]");
  refuseLinkedStore(store);
  const runs = selectRuns(store, selection, Number.POSITIVE_INFINITY, warn).runs.map((view) => ({ runId: view.runId, file: view.file }));
  if (runs.length === 0) throw new UserError("no run matches; nothing deleted", EXIT.failure);
  const running = runs.filter((run) => isRunning(store, run.runId));
  if (running.length && !request.force) {
    throw new UserError(
      `not deleting: ${running.map((r) => shortId(r.runId)).join(" ")} ${running.length === 1 ? "is" : "are"} still running`,
      EXIT.failure,
      "wait for it to end, or use --force",
    );
  }
  if (!request.confirm(runs.map((run) => run.runId))) throw new UserError("nothing deleted", EXIT.failure);
  const opened = openRepository(cwd, env);
  const git = typeof opened === "string" ? null : opened.git;
  const data: RemoveAnswer["data"] = { deleted: [], failed: [], refs_kept: [] };
  for (const run of runs) {
    const removal = removeRun(store, run, git);
    if (removal.keptRef) {
      data.refs_kept.push(removal.keptRef.ref);
      warn(`${removal.keptRef.ref} is ${removal.keptRef.reason}; kept`);
    }
    if (removal.failures.length) {
      data.failed.push({ run_id: run.runId, failures: removal.failures });
      warn(`run ${shortId(run.runId)}: could not delete ${removal.failures.join(", ")}`);
      continue;
    }
    data.deleted.push(run.runId);
    request.onDeleted?.(run.runId);
  }
  return { data, total: runs.length };
}

/** Whether a run is still being written: its file is read as a summary; one that cannot be read is not. */
function isRunning(store: string, runId: string): boolean {
  try {
    return summarizeRun(store, runId, () => {}, false)?.status === "running";
  } catch {
    return false;
  }
}
