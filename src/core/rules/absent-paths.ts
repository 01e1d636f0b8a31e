/** A condition on a path its run never had never holds: said, with the paths that come closest. */
import { unknownPathError } from "../query/known-paths";
import type { Warn } from "../query/records";
import { RunView } from "../query/run-view";
import { hasOperand, mustExist, RUN_FIELDS } from "../query/selection";
import { type Expr, operandsOf } from "../query/where";
import { shortId } from "../record/refs";
import { isUnended } from "../record/schema";

/**
 * Warns of each path of `expr` (given to `option`) that run `runId` never had, once it has ended
 * (a live run may report it yet), naming the paths it has that come closest.
 */
export function warnAbsentPaths(store: string, runId: string, expr: Expr, option: string, warn: Warn): void {
  // Read again here: what reading it found to warn of was said the first time.
  const quiet = () => {};
  const view = new RunView(store, runId, quiet);
  const status = view.summary()?.status;
  if (status === undefined || isUnended(status)) return;
  const seen = new Set<string>();
  for (const operand of operandsOf(expr)) {
    if (!mustExist(operand) || seen.has(operand.text) || hasOperand(view, operand)) continue;
    seen.add(operand.text);
    const { hint } = unknownPathError({ path: operand.text, option, trackedOnly: false }, [view], quiet, RUN_FIELDS);
    warn(`${option}: run ${shortId(runId)} never had ${operand.text}; ${hint}`);
  }
}
