/**
 * `--where` conditions over runs: `meta.lr < 0.1 and max(metrics.acc) > 0.9`.
 * Parsing lives in where-parse.ts; this file decides which runs a parsed condition keeps.
 */

import { anyCharacter, type GlobPart, matchGlob } from "./glob";
import { JSON_NUMBER } from "./value-paths";
import type { CompareOp, Comparison, Expr, Literal, Operand } from "./where-syntax";

export { parseCondition, parseOperand, parseWhere } from "./where-parse";
export type { Aggregate, CompareOp, Expr, Literal, Operand, PathSegment } from "./where-syntax";
export { ELAPSED } from "./where-syntax";

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

/** A stored number: a number, or one of the strings "NaN", "Infinity", "-Infinity"; null otherwise. */
function storedNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  return typeof value === "string" && Object.hasOwn(NON_FINITE, value) ? NON_FINITE[value]! : null;
}

/** The number a value stands for when it meets a number literal: numeric strings such as "0.03" count. */
function numberFor(value: unknown): number | null {
  return typeof value === "string" && JSON_NUMBER.test(value) ? Number(value) : storedNumber(value);
}

const isText = (value: unknown): value is string => typeof value === "string" && storedNumber(value) === null;

/** An ISO date and time with its zone (Z or an offset): two of them compare as the moments they name. */
const ZONED_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/;

/** Two strings as they compare: the moments when both are zoned times (started_at > 2026-12-01T09:00+05:00), else the texts. */
function textPair(value: string, literal: string): [number | string, number | string] {
  if (ZONED_TIME.test(literal) && ZONED_TIME.test(value)) {
    const [left, right] = [Date.parse(value), Date.parse(literal)];
    if (!Number.isNaN(left) && !Number.isNaN(right)) return [left, right];
  }
  return [value, literal];
}

function equals(value: unknown, literal: Literal): boolean {
  if (typeof literal === "number") return numberFor(value) === literal;
  if (typeof literal === "string") {
    if (!isText(value)) return false;
    const [left, right] = textPair(value, literal);
    return left === right;
  }
  return value === literal;
}

function ordered(value: unknown, op: "<" | "<=" | ">" | ">=", literal: Literal): boolean {
  let left: number | string | null = typeof literal === "number" ? numberFor(value) : typeof literal === "string" && isText(value) ? value : null;
  if (left === null) return false;
  let right = literal as number | string;
  if (typeof left === "string") [left, right] = textPair(left, right as string);
  return compareValues(left, op, right);
}

const INTEGER_TEXT = /^-?\d+$/;

/** `left op right` for two values of one kind: numbers, bigints, or texts (by code units). */
export function compareValues<T extends number | bigint | string>(left: T, op: CompareOp, right: T): boolean {
  switch (op) {
    case "=":
      return left === right;
    case "!=":
      return left !== right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case ">":
      return left > right;
    case ">=":
      return left >= right;
  }
}

/** Whole-string glob: `*` any run of characters, `?` exactly one; no escapes, no sets (./glob.ts). */
export function globMatches(pattern: string, value: string): boolean {
  if (plainGlob?.pattern !== pattern) {
    const parts = [...pattern].map((char): GlobPart => (char === "*" ? "*" : char === "?" ? anyCharacter : (c) => c === char));
    plainGlob = { pattern, parts };
  }
  return matchGlob(plainGlob.parts, value);
}

let plainGlob: { pattern: string; parts: GlobPart[] } | undefined;

/**
 * Applies `holds` to a resolved value: a list passes when any element holds (when none does, if
 * `negated`); a missing or NaN value fails whatever the operator. A NaN element never holds.
 */
function test(value: unknown, holds: (item: unknown) => boolean, negated: boolean): boolean {
  if (value === undefined) return false;
  const holdsForNumber = (item: unknown) => !Number.isNaN(storedNumber(item)) && holds(item);
  if (Array.isArray(value)) return negated ? !value.some(holdsForNumber) : value.some(holdsForNumber);
  if (Number.isNaN(storedNumber(value))) return false;
  return negated ? !holds(value) : holds(value);
}

/**
 * Whether a run passes a `--where` condition; `resolve` gives an operand's value for the run
 * (an aggregate already applied), or undefined when the run has none. The rules:
 * - A missing value, NaN (or the stored string "NaN") fails every comparison, `!=` and `not in`
 *   included; `not` then negates as usual. "Infinity" and "-Infinity" are numbers.
 * - Number literal: compares numerically with numbers and numeric strings ("0.03"); any other
 *   value fails `< <= > >=` and is unequal.
 * - String literal (quoted or a bare word): strings compare exactly for `= !=` and by code units for
 *   `< <= > >=` (ISO times in one zone order as times); two ISO times that both name their zone
 *   (Z, +05:00) compare as the moments they are; any other value fails `< <= > >=` and is unequal.
 * - `~` glob-matches strings only (`*` any run, `?` one character, whole string, case-sensitive).
 * - true, false, null: `=` and `!=` only; `x = null` holds for a stored null, not a missing value.
 * - Objects are unequal to every literal.
 * - A list value passes `= < <= > >= ~ in` when any element does, `!=` and `not in` when none does
 *   (so an empty list fails the first kind and passes the second).
 * - `in [a, b]` is `=` against any listed literal (`elapsed in [90s]` reads the duration as `=` does).
 */
export function evaluateWhere(expr: Expr, resolve: (operand: Operand) => unknown): boolean {
  switch (expr.kind) {
    case "and":
      return expr.items.every((item) => evaluateWhere(item, resolve));
    case "or":
      return expr.items.some((item) => evaluateWhere(item, resolve));
    case "not":
      return !evaluateWhere(expr.item, resolve);
    case "match":
      return test(resolve(expr.operand), (item) => isText(item) && globMatches(expr.pattern, item), false);
    case "in":
      return test(resolve(expr.operand), (item) => expr.options.some((option) => holds(option, item)), expr.negated);
    case "compare": {
      const { op, value: literal } = expr;
      const value = resolve(expr.operand);
      // The common case, a number against a number, without the general rules' closures (same answers).
      if (typeof value === "number" && typeof literal === "number") return !Number.isNaN(value) && compareValues(value, op, literal);
      return test(value, (item) => holds(expr, item), op === "!=");
    }
  }
}

/** Whether one value (a list's element, or a value that is no list) holds a comparison; `!=` asks `=`, which test() negates. */
function holds(comparison: Comparison, item: unknown): boolean {
  const op = comparison.op === "!=" ? "=" : comparison.op;
  // Integer text past 2^53 (params.seed = 12345678901234567891) against an integer literal: exactly, not as doubles.
  if (comparison.integer !== undefined && typeof item === "string" && INTEGER_TEXT.test(item)) {
    return compareValues(BigInt(item), op, BigInt(comparison.integer));
  }
  return op === "=" ? equals(item, comparison.value) : ordered(item, op, comparison.value);
}

/** Every operand the condition reads, once per text, in order of appearance. */
export function operandsOf(expr: Expr): Operand[] {
  const found = new Map<string, Operand>();
  const walk = (node: Expr): void => {
    if (node.kind === "and" || node.kind === "or") node.items.forEach(walk);
    else if (node.kind === "not") walk(node.item);
    else if (!found.has(node.operand.text)) found.set(node.operand.text, node.operand);
  };
  walk(expr);
  return [...found.values()];
}

/** Several `--where` flags: a run must pass all of them; null when there are none. */
export function combineWhere(exprs: Expr[]): Expr | null {
  if (exprs.length <= 1) return exprs[0] ?? null;
  return { kind: "and", items: exprs };
}
