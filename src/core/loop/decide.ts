/**
 * `exprag keep` and `exprag discard`: the decision about a run, with who made it, when and why.
 * A later decision replaces an earlier one; every one stays in the run's annotations.
 */

import { usageError } from "../errors";
import { appendAnnotation, checkNote, type Decision, readAnnotations } from "../record/annotations";
import type { Author } from "../record/author";
import { resolveReadableRun, shortId } from "../record/refs";
import type { DecisionKind } from "../record/schema";

export interface DecisionRequest {
  run: string;
  decision: DecisionKind;
  /** Why; a discard must say. */
  because: string | null;
  author: Author;
}

export interface DecisionAnswer {
  run_id: string;
  short_id: string;
  /** The decision that stands now. */
  decision: Decision;
  /** The one it replaced, null when the run was undecided. */
  replaced: Decision | null;
}

export function decideRun(store: string, request: DecisionRequest): DecisionAnswer {
  const because = request.because === null ? null : checkNote(request.because, "--because");
  if (request.decision === "discard" && because === null)
    throw usageError("a discard needs a reason: --because TEXT", `e.g. exprag discard ${request.run} --because "val_bpb 0.02 worse"`);
  const { runId, file } = resolveReadableRun(store, request.run);
  const replaced = readAnnotations(file).decision;
  appendAnnotation(file, runId, { kind: "decision", decision: request.decision, because }, request.author);
  return { run_id: runId, short_id: shortId(runId), decision: readAnnotations(file).decision!, replaced };
}
