/**
 * Stop rules checked as a run's records come: after each track record, and (for rules that read
 * `elapsed`) while none comes. The first rule to hold is what stops the run; the same checking
 * serves a live run (`run --stop-when`) and a replay of a finished one (`check-rules`).
 */
import { type CompareOp, compareValues, type Expr, evaluateWhere, type Operand, operandsOf } from "../query/where";
import type { StoppedBy } from "../record/schema";
import { readNumber } from "../run/json-number";
import { NumberBound, UNKNOWN_ORDER } from "../run/json-number-order";
import type { PathProbe } from "../run/path-probe";
import { stepOf } from "./divergence";
import { type PathWatcher, type RunFacts, SeriesValues } from "./series-values";
import type { StopRule } from "./stop-rule";

export class StopRules {
  readonly values: SeriesValues;
  /** Per rule: whether it holds now, bound once to the values it reads (checked after every record). */
  private readonly holds: (() => boolean)[];
  /** When every rule is a NumberTest kept up to date as its path takes values: those tests; else null. */
  private readonly watchedOnly: NumberTest[] | null;
  /** Per tracked path (in the order of `values.paths`): the NumberTests told of its numbers. */
  private readonly testsOf: NumberTest[][];

  constructor(
    readonly rules: StopRule[],
    facts: RunFacts,
  ) {
    this.values = new SeriesValues(
      rules.flatMap((rule) => operandsOf(rule.expr)),
      facts,
    );
    const resolve = (operand: Operand) => this.values.resolve(operand);
    this.holds = rules.map((rule) => boundRule(rule.expr, resolve, this.values.resolver.bind(this.values)));
    // Rules comparing a tracked path with a number are told each value the path takes, when no other rule or aggregate reads it.
    const tests = rules.map((rule, i) => NumberTest.of(rule.expr, this.holds[i]!));
    const tested = rules.map((rule, i) => (tests[i] && rule.expr.kind === "compare" ? this.values.trackedPath(rule.expr.operand) : null));
    const pathsRead = rules.map((rule) => operandsOf(rule.expr).map((operand) => this.values.trackedPath(operand)));
    const watched: NumberTest[] = [];
    this.testsOf = this.values.paths.map(() => []);
    tests.forEach((test, i) => {
      const path = tested[i];
      if (!test || !path || path.series || pathsRead.some((read, j) => read.includes(path) && tested[j] !== path)) return;
      this.values.watch(path, test);
      this.testsOf[this.values.indexOf(path)]!.push(test);
      this.holds[i] = () => test.holds;
      watched.push(test);
    });
    this.watchedOnly = watched.length === rules.length ? watched : null;
  }

  /**
   * Whether a rule may hold after the record the values were just told of (see `check`): false
   * only when every rule is kept up to date by the values themselves and none holds, so checking
   * would find nothing (the values no rule reads, the clock and `diverged`, need no update then).
   */
  mayHold(): boolean {
    const tests = this.watchedOnly;
    if (tests === null) return true;
    for (let i = 0; i < tests.length; i++) if (tests[i]!.holds) return true;
    return false;
  }

  /**
   * Has `probe` (made for `values.paths`) place each number of a path that one rule alone reads
   * against the rule's constant, so a line whose numbers leave every such rule false is quiet:
   * told of it, the values would change no rule while none holds (see `mayHold`).
   */
  bindProbe(probe: PathProbe): void {
    this.testsOf.forEach((tests, index) => {
      if (tests.length === 1) tests[0]!.bindProbe(probe, index);
    });
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
    for (let i = 0; i < this.holds.length; i++) if (this.holds[i]!()) return this.rules[i]!;
    return null;
  }
}

/**
 * evaluateWhere(expr, resolve) as a function of no arguments. A comparison with a number, the
 * usual rule, reads its operand through the resolver found once and compares a number as
 * evaluateWhere does; any other value, and any other rule, goes through evaluateWhere itself.
 */
function boundRule(expr: Expr, resolve: (operand: Operand) => unknown, resolver: (operand: Operand) => () => unknown): () => boolean {
  const general = () => evaluateWhere(expr, resolve);
  if (expr.kind !== "compare" || typeof expr.value !== "number") return general;
  const value = resolver(expr.operand);
  const { op, value: literal } = expr;
  return () => {
    const found = value();
    return typeof found === "number" ? !Number.isNaN(found) && compareValues(found, op, literal) : general();
  };
}

/**
 * A rule `path op number` kept up to date as the path takes values, so checking it after a record
 * costs nothing: a number in a line is placed by its sign and size alone when that settles the
 * rule (NumberBound), and read only when it does not.
 */
class NumberTest implements PathWatcher {
  holds: boolean;
  /** Whether the rule holds for a value below the constant, equal to it, above it. */
  private readonly below: boolean;
  private readonly equal: boolean;
  private readonly above: boolean;

  static of(expr: Expr, read: () => boolean): NumberTest | null {
    if (expr.kind !== "compare" || typeof expr.value !== "number") return null;
    const bound = NumberBound.of(expr.value);
    return bound && new NumberTest(expr.op, expr.value, bound, read);
  }

  private constructor(
    private readonly op: CompareOp,
    private readonly literal: number,
    private readonly bound: NumberBound,
    /** The rule evaluated on the path's latest value. */
    private readonly read: () => boolean,
  ) {
    this.holds = read();
    this.below = compareValues(-1, op, 0);
    this.equal = compareValues(0, op, 0);
    this.above = compareValues(1, op, 0);
  }

  number(line: Uint8Array, start: number, integerEnd: number, exponentStart: number, end: number): void {
    const order = this.bound.orderOf(line, start, integerEnd, exponentStart, end);
    if (order === UNKNOWN_ORDER) this.holds = compareValues(readNumber(line, start, end), this.op, this.literal);
    else this.holds = order < 0 ? this.below : order > 0 ? this.above : this.equal;
  }

  changed(): void {
    this.holds = this.read();
  }

  /** Has `probe` place the numbers of its path `index` against this rule's constant: those for which it does not hold leave the line quiet. */
  bindProbe(probe: PathProbe, index: number): void {
    probe.quietWhen(index, this.bound, { below: !this.below, equal: !this.equal, above: !this.above });
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
