/** A condition on a path its run never had never holds: said, with the paths that come closest. */
import { unknownPathError } from "../query/known-paths";
import type { Warn } from "../query/records";
import { RUN_FIELDS } from "../query/run-fields";
import { RunView } from "../query/run-view";
import { hasOperand, mustExist } from "../query/selection";
import { type Expr, operandsOf } from "../query/where";
import { shortId } from "../record/refs";
import { isUnended } from "../record/schema";

/**
 * Warns once of each path of each condition (`expr`, given to `option`) that run `runId` never
 * had, once it has ended (a live run may report it yet), naming the paths it has that come
 * closest; of a path it had, but never as a number, that an aggregate of it reads.
 */
export function warnAbsentPaths(store: string, runId: string, conditions: { expr: Expr; option: string }[], warn: Warn): void {
  if (conditions.length === 0) return;
  // Read again here: what reading it found to warn of was said the first time.
  const quiet = () => {};
  const view = new RunView(store, runId, quiet);
  const status = view.summary()?.status;
  if (status === undefined || isUnended(status)) return;
  for (const { expr, option } of conditions) {
    const said = new Set<string>();
    for (const operand of operandsOf(expr)) {
      const path = operand.aggregate ? operand.text.slice(operand.aggregate.length + 1, -1) : operand.text;
      if (said.has(path) || !mustExist(operand) || hasOperand(view, operand)) continue;
      said.add(path);
      if (operand.aggregate !== null && hasOperand(view, { ...operand, text: path, aggregate: null })) {
        warn(`${option}: run ${shortId(runId)} never had a number at ${path}, which ${operand.aggregate}() reads`);
        continue;
      }
      const { hint } = unknownPathError({ path, option, trackedOnly: false }, [view], quiet, RUN_FIELDS);
      warn(`${option}: run ${shortId(runId)} never had ${path}; ${hint}`);
    }
  }
}
