/**
 * Stop rules checked as a run's records come: after each track record, and (for rules that read
 * `elapsed`) while none comes. The first rule to hold is what stops the run; the same checking
 * serves a live run (`run --stop-when`) and a replay of a finished one (`check-rules`).
 */
import { evaluateWhere, operandsOf } from "../query/where";
import type { StoppedBy } from "../record/schema";
import { stepOf } from "./divergence";
import { type RunFacts, SeriesValues } from "./series-values";
import type { StopRule } from "./stop-rule";

export class StopRules {
  readonly values: SeriesValues;

  constructor(
    readonly rules: StopRule[],
    facts: RunFacts,
  ) {
    this.values = new SeriesValues(
      rules.flatMap((rule) => operandsOf(rule.expr)),
      facts,
    );
  }

  /** Whether a rule reads the clock, so it must be checked while no record comes. */
  get readsClock(): boolean {
    return this.values.readsClock;
  }

  /**
   * A track record with `value` was written at `source` (`file:line`) `elapsedMs` after the start,
   * `diverged` saying whether the run's numbers have gone non-finite by now: the rule that holds, if one does.
   */
  record(value: unknown, source: string, elapsedMs: number, diverged: boolean): StoppedBy | null {
    this.values.observe(value);
    return this.check(
      () => source,
      elapsedMs,
      diverged,
      () => stepOf(value),
    );
  }

  /**
   * As `record`, once `values` has been told of the record some other way; `source` and `step`
   * are asked for only when a rule holds.
   */
  check(source: () => string, elapsedMs: number, diverged: boolean, step: () => number | null): StoppedBy | null {
    this.values.diverged = diverged;
    this.values.elapsedMs = elapsedMs;
    const rule = this.holding();
    return rule && { rule: rule.text, source: source(), step: step(), elapsed_ms: round(elapsedMs) };
  }

  /** The clock moved on to `elapsedMs` with no record: the rule that holds now, if one does. */
  tick(elapsedMs: number): StoppedBy | null {
    this.values.elapsedMs = elapsedMs;
    const rule = this.holding();
    return rule && { rule: rule.text, source: null, step: null, elapsed_ms: round(elapsedMs) };
  }

  private holding(): StopRule | null {
    return this.rules.find((rule) => evaluateWhere(rule.expr, (operand) => this.values.resolve(operand))) ?? null;
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
