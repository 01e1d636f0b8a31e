/**
 * The `--where` language, read into a tree: tokens, then a recursive-descent parser.
 * The grammar, loosest first: `or` < `and` < `not` < one condition or a parenthesised group.
 */
import { UserError, usageError } from "../errors";
import { durationMs } from "../time";
import { AGGREGATES, type CompareOp, type Comparison, ELAPSED, type Expr, type Literal, type Operand } from "./where-syntax";
import { column, describe, fail, parseSegments, type Token, tokenize } from "./where-tokens";

const FLIPPED: Record<CompareOp, CompareOp> = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

const LOOSE_NUMBER = /^(?:[+-]?(?:\d+\.\d*|\.\d+)|\+\d+(?:\.\d*)?)(?:[eE][+-]?\d+)?$/;
/**
 * Parses one `--where` expression: conditions `path OP value` (OP one of `= != < <= > >= ~`, `==`
 * read as `=`), `path in [v, ...]`, `path not in [...]`, and a path alone (`path = true`), joined by `not`, `and`, `or` (tightest
 * first) and parentheses, keywords in any case. A path may sit in last/first/min/max/mean/count(...).
 * A value is a JSON number, a quoted string, true, false, null, or a bare word read as a string.
 * A number, quoted string, true, false or null on the left flips the comparison (`0.9 < acc`).
 * A malformed expression is a usage error naming the column.
 */
/** How deep `not` and parentheses may nest: far past any expression a person writes, well within the stack. */
const MAX_NESTING = 100;

export function parseWhere(text: string): Expr {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position]!;
  const next = () => tokens[position++]!;
  const isKeyword = (token: Token, word: string) => token.type === "keyword" && token.text.toLowerCase() === word;
  const expected = (what: string, token = peek(), found = describe(token)): never => fail(text, token.start, `expected ${what}, found ${found}`);
  const atPunct = (char: string) => peek().type === "punct" && peek().text === char;
  const expectPunct = (char: string, what: string) => (atPunct(char) ? next() : expected(what));

  const isOperandStart = (token: Token) => token.type === "word";

  function operand(): Operand {
    const word = next();
    if (!atPunct("(")) {
      return { text: word.text, segments: parseSegments(text, word.text, word.start), aggregate: null };
    }
    const aggregate = AGGREGATES.find((name) => name === word.text.toLowerCase());
    if (!aggregate) fail(text, word.start, `unknown function '${word.text}' (use last, first, min, max, mean or count)`);
    next();
    const path = peek();
    if (path.type !== "word") expected(`a path inside ${aggregate}(), like ${aggregate}(metrics.acc)`);
    next();
    if (atPunct("(")) expected(`a path inside ${aggregate}() (functions do not nest)`, path, `'${path.text}('`);
    expectPunct(")", `')' after ${aggregate}(${path.text}`);
    return { text: `${aggregate}(${path.text})`, segments: parseSegments(text, path.text, path.start), aggregate };
  }

  /** A value on the right of an operator or in a list; a bare word is its own text. */
  function literal(after: string): Literal {
    const token = peek();
    if (token.type === "number" || token.type === "string" || token.type === "word") next();
    if (token.type === "number") return token.value;
    if (token.type === "string" || token.type === "word") {
      if (token.type === "word" && atPunct("(")) {
        expected(`a value after ${after} (paths and functions go on the left)`, token, `'${token.text}('`);
      }
      // A number JSON does not write (.5, 5., +5) would be the text ".5" and match nothing.
      if (token.type === "word" && LOOSE_NUMBER.test(token.text)) {
        fail(text, token.start, `'${token.text}' is not a number as JSON writes one: write ${Number(token.text)}, or quote it for the text`);
      }
      return token.text;
    }
    if (isKeyword(token, "true") || isKeyword(token, "false") || isKeyword(token, "null")) {
      next();
      return isKeyword(token, "null") ? null : isKeyword(token, "true");
    }
    return expected(`a value after ${after}`);
  }

  /** The list after `in`, each value as `subject = value` reads it. */
  function list(subject: Operand, inToken: Token): Comparison[] {
    const open = expectPunct("[", "'[' after 'in', like in [a, b]");
    const options: Comparison[] = [];
    while (!atPunct("]")) {
      if (options.length) expectPunct(",", `',' or ']' to close the list opened at column ${column(text, open.start)}`);
      const valueToken = peek();
      options.push(comparison(subject, "=", inToken, valueToken, literal(options.length ? "','" : "'['")));
    }
    next();
    return options;
  }

  /**
   * `op` is the operator once the path is on the left; `opToken` and `valueToken` are as written
   * (a pattern is the text written, so `version ~ 1` reads "1").
   */
  function build(subject: Operand, op: CompareOp | "~", opToken: Token, valueToken: Token, value: Literal): Expr {
    if (op === "~") return { kind: "match", operand: subject, pattern: typeof value === "string" ? value : valueToken.text };
    return comparison(subject, op, opToken, valueToken, value);
  }

  function comparison(subject: Operand, op: CompareOp, opToken: Token, valueToken: Token, value: Literal): Comparison {
    if (subject.text === ELAPSED && typeof value === "string") {
      // `elapsed` is in seconds: a duration written as such (10m, 90s) is read as its seconds.
      const ms = durationMs(value);
      if (ms === null) fail(text, valueToken.start, `elapsed compares with seconds or a duration such as 90s, 10m, 2h, found ${describe(valueToken)}`);
      return { kind: "compare", operand: subject, op, value: ms / 1000 };
    }
    if ((typeof value === "boolean" || value === null) && op !== "=" && op !== "!=") {
      fail(text, opToken.start, `${value} can only be compared with = or !=, not '${opToken.text}'`);
    }
    if (typeof value === "number" && !Number.isSafeInteger(value) && /^-?\d+$/.test(valueToken.text)) {
      return { kind: "compare", operand: subject, op, value, integer: valueToken.text };
    }
    return { kind: "compare", operand: subject, op, value };
  }

  function condition(after: string): Expr {
    const first = peek();
    if (isOperandStart(first)) {
      const subject = operand();
      const opToken = peek();
      if (opToken.type === "op") {
        next();
        const valueToken = peek();
        return build(subject, opToken.text as CompareOp | "~", opToken, valueToken, literal(`'${opToken.text}'`));
      }
      const negated = isKeyword(opToken, "not") && isKeyword(tokens[position + 1]!, "in");
      if (negated || isKeyword(opToken, "in")) {
        position += negated ? 2 : 1;
        return { kind: "in", operand: subject, options: list(subject, opToken), negated };
      }
      // A path alone is a test that it is true: `diverged`, `not dirty`.
      const ends = opToken.type === "end" || (opToken.type === "punct" && opToken.text === ")") || isKeyword(opToken, "and") || isKeyword(opToken, "or");
      if (ends) return { kind: "compare", operand: subject, op: "=", value: true };
      return expected(`an operator (= != < <= > >= ~ in) after '${subject.text}'`);
    }
    if (first.type === "number" || first.type === "string" || isKeyword(first, "true") || isKeyword(first, "false") || isKeyword(first, "null")) {
      const value = literal(""); // never fails: `first` is a literal
      const opToken = peek();
      if (isKeyword(opToken, "in") || isKeyword(opToken, "not")) fail(text, opToken.start, `'${opToken.text}' needs a path on its left, like tags in [a, b]`);
      if (opToken.type !== "op") return expected(`an operator after ${describe(first)}`);
      next();
      if (!isOperandStart(peek())) return expected(`a path after '${opToken.text}' (one side of a comparison must be a path)`);
      const subject = operand();
      const flipped = opToken.text === "~" ? "~" : FLIPPED[opToken.text as CompareOp];
      return build(subject, flipped, opToken, first, value);
    }
    return expected(after ? `a condition after ${after}` : "a condition, like metrics.acc > 0.9");
  }

  let depth = 0;
  function unary(after: string): Expr {
    if (isKeyword(peek(), "not") || atPunct("(")) {
      if (++depth > MAX_NESTING) fail(text, peek().start, `more than ${MAX_NESTING} 'not' and '(' nested`);
      try {
        return nested();
      } finally {
        depth--;
      }
    }
    return condition(after);
  }

  function nested(): Expr {
    if (isKeyword(peek(), "not")) {
      next();
      return { kind: "not", item: unary("'not'") };
    }
    const open = next();
    const inner = disjunction("'('");
    expectPunct(")", `')' to close the '(' at column ${column(text, open.start)}`);
    return inner;
  }

  function chain(kind: "and" | "or", item: (after: string) => Expr, after: string): Expr {
    const items = [item(after)];
    while (isKeyword(peek(), kind)) {
      items.push(item(`'${next().text}'`));
    }
    return items.length === 1 ? items[0]! : { kind, items };
  }

  const conjunction = (after: string) => chain("and", unary, after);
  const disjunction = (after: string) => chain("or", conjunction, after);

  const expr = disjunction("");
  if (peek().type !== "end") expected("'and', 'or' or the end");
  return expr;
}

/**
 * A condition given to `option` (`--stop-when`, `--until`), written as `--where` is: its errors
 * name the option and quote the text; `examples` say what one looks like.
 */
export function parseCondition(text: string, option: string, examples: string): Expr {
  if (!text.trim()) throw usageError(`${option} needs a condition, like ${examples}`);
  try {
    return parseWhere(text);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw usageError(
      `${option} ${JSON.stringify(text)}: ${error.message.replace(/^--where: /, "")}`,
      "a condition is written as --where is; see 'exprag ls --help'",
    );
  }
}

/**
 * One operand on its own, as `--sort` and `--columns` take it (`metrics.acc`, `max(metrics.acc)`,
 * `params.lr`); a malformed one is a usage error naming `option`.
 */
export function parseOperand(text: string, option: string): Operand {
  // Read as the left side of a condition: what the condition's parser says of the rest would be about conditions.
  const notOperand = () =>
    usageError(`${option}: expected a path or an aggregate such as max(metrics.acc), got "${text}"`, "see exprag paths for the paths the runs have");
  let parsed: Expr;
  try {
    parsed = parseWhere(`${text} = 0`);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw notOperand();
  }
  if (parsed.kind !== "compare") throw notOperand();
  return parsed.operand;
}
