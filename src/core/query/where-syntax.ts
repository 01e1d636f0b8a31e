/** The tree a `--where` expression is read into, which where.ts evaluates and stop rules watch. */

export type Aggregate = "last" | "first" | "min" | "max" | "mean" | "count";
/** One step into a value; the same shape as value-paths' PathStep. */
export type PathSegment = { key: string } | { each: true };
/** What a condition tests: a path, perhaps inside an aggregate. `text` is canonical, e.g. `max(metrics.acc)`. */
export interface Operand {
  text: string;
  segments: PathSegment[];
  aggregate: Aggregate | null;
}
export type Literal = number | string | boolean | null;
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";
export type Expr =
  | { kind: "and"; items: Expr[] }
  | { kind: "or"; items: Expr[] }
  | { kind: "not"; item: Expr }
  | Comparison
  | { kind: "match"; operand: Operand; pattern: string }
  /** `path in [a, b]`: `path = a` or `path = b`, each read as `=` reads its value. */
  | { kind: "in"; operand: Operand; options: Comparison[]; negated: boolean };

/** `integer`: an integer literal past 2^53 as written, so that integer text (a seed kept exact) compares exactly. */
export type Comparison = { kind: "compare"; operand: Operand; op: CompareOp; value: Literal; integer?: string };

/** The run field of the seconds since the command started (its duration once it ended). */
export const ELAPSED = "elapsed";

export const AGGREGATES: readonly Aggregate[] = ["last", "first", "min", "max", "mean", "count"];
