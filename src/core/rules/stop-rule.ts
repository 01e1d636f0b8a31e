/**
 * A stop rule: the `--where` language read on a live run (`metrics.loss > 5`, `diverged`,
 * `elapsed > 10m and max(metrics.acc) < 0.5`). A rule that cannot parse, or reads a run field that
 * only exists once the run has ended, is a usage error naming the option before anything starts.
 */
import { usageError } from "../errors";
import { type Expr, operandsOf, parseCondition } from "../query/where";

export interface StopRule {
  /** As written. */
  text: string;
  expr: Expr;
}

/** Run fields that say how a run ended: a live run has none of them yet. */
const ENDED_FIELDS = ["status", "exit_code", "duration_ms", "error"];

export function parseStopRule(text: string, option = "--stop-when"): StopRule {
  const expr = parseCondition(text, option, "'metrics.loss > 5', 'diverged' or 'elapsed > 10m'");
  for (const operand of operandsOf(expr)) {
    const [head] = operand.segments;
    if (operand.segments.length === 1 && head && "key" in head && ENDED_FIELDS.includes(head.key) && !operand.aggregate) {
      throw usageError(
        `${option} ${JSON.stringify(text)}: ${head.key} is only known once the run has ended`,
        "a rule reads tracked values (metrics.loss, max(metrics.acc)), params.X, meta.X, diverged and elapsed",
      );
    }
  }
  return { text, expr };
}

export const parseStopRules = (texts: string[], option = "--stop-when"): StopRule[] => texts.map((text) => parseStopRule(text, option));
