/** A condition on a path its run never had never holds: said, with the paths that come closest. */
import { unknownPathError } from "../query/known-paths";
import type { Warn } from "../query/records";
import type { RunView } from "../query/run-view";
import { hasOperand, mustExist, RUN_FIELDS } from "../query/selection";
import { type Expr, operandsOf } from "../query/where";

/** Warns of each path of `expr` (given to `option`) that the run of `view` never had, naming those it has that come closest. */
export function warnAbsentPaths(view: RunView, expr: Expr, option: string, warn: Warn): void {
  const seen = new Set<string>();
  for (const operand of operandsOf(expr)) {
    if (!mustExist(operand) || seen.has(operand.text) || hasOperand(view, operand)) continue;
    seen.add(operand.text);
    const error = unknownPathError({ path: operand.text, option, trackedOnly: false }, [view], warn, RUN_FIELDS);
    warn(`${error.message}; ${error.hint}`);
  }
}
