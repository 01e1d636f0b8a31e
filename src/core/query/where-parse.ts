/**
 * The `--where` language, read into a tree: tokens, then a recursive-descent parser.
 * The grammar, loosest first: `or` < `and` < `not` < one condition or a parenthesised group.
 */
import { UserError, usageError } from "../errors";
import { durationMs } from "../time";

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
  | { kind: "compare"; operand: Operand; op: CompareOp; value: Literal }
  | { kind: "match"; operand: Operand; pattern: string }
  | { kind: "in"; operand: Operand; values: Literal[]; negated: boolean };

/** The run field of the seconds since the command started (its duration once it ended). */
export const ELAPSED = "elapsed";

export const AGGREGATES: readonly Aggregate[] = ["last", "first", "min", "max", "mean", "count"];

type Token =
  | { type: "word" | "string" | "keyword" | "op" | "punct"; text: string; start: number }
  | { type: "number"; text: string; value: number; start: number }
  | { type: "end"; text: ""; start: number };

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const KEYWORDS = new Set(["true", "false", "null", "and", "or", "not", "in"]);
const WORD_END = /[\s"'(),=!<>~[\]]/;
const OPERATORS = ["!=", "==", "<=", ">=", "=", "<", ">", "~"];
const FLIPPED: Record<CompareOp, CompareOp> = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

const column = (text: string, index: number) => [...text.slice(0, index)].length + 1;

function fail(text: string, index: number, message: string): never {
  throw usageError(`--where: column ${column(text, index)}: ${message}`, "see 'exprag ls --help'");
}

/** How a token reads in a message: `'and'`, `0.5`, `"ok"`, or `the end`. */
function describe(token: Token): string {
  if (token.type === "end") return "the end";
  if (token.type === "string") return JSON.stringify(token.text);
  return token.type === "number" ? token.text : `'${token.text}'`;
}

/** Reads past a quoted run starting at `start` (a quote character); returns its text and where it ends. */
function readQuoted(text: string, start: number, what: string): { value: string; end: number } {
  const quote = text[start]!;
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === quote) return { value, end: i + 1 };
    if (char === "\\" && (text[i + 1] === quote || text[i + 1] === "\\")) value += text[++i];
    else value += char;
  }
  return fail(text, start, `expected a closing ${quote} for the ${what} that starts here, found the end`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '"' || char === "'") {
      const { value, end } = readQuoted(text, i, "string");
      tokens.push({ type: "string", text: value, start: i });
      i = end;
    } else if ("(),[]".includes(char)) {
      tokens.push({ type: "punct", text: char, start: i++ });
    } else if ("=!<>~".includes(char)) {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
      if (!op) fail(text, i, "expected '!=' (or 'not' to negate), found '!'");
      tokens.push({ type: "op", text: op === "==" ? "=" : op, start: i });
      i += op.length;
    } else {
      const start = i;
      while (i < text.length) {
        if (text[i] === "`") i = readQuoted(text, i, "key").end;
        else if (text.startsWith("[]", i) && i > start && !/^in$/i.test(text.slice(start, i))) i += 2;
        else if (WORD_END.test(text[i]!)) break;
        else i++;
      }
      const word = text.slice(start, i);
      if (JSON_NUMBER.test(word)) tokens.push({ type: "number", text: word, value: Number(word), start });
      else if (KEYWORDS.has(word.toLowerCase())) tokens.push({ type: "keyword", text: word, start });
      else tokens.push({ type: "word", text: word, start });
    }
  }
  tokens.push({ type: "end", text: "", start: text.trimEnd().length });
  return tokens;
}

/** The segments of a path word such as ``layers[].loss`` or ``metrics.`-odd key` ``; `start` places errors. */
function parseSegments(source: string, word: string, start: number): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  for (;;) {
    if (word[i] === "`") {
      const { value, end } = readQuoted(word, i, "key");
      segments.push({ key: value });
      i = end;
    } else {
      const name = /^[\p{L}\p{N}_$/-]+/u.exec(word.slice(i))?.[0];
      if (!name) {
        const found = i < word.length ? `'${word[i]}'` : "the end";
        fail(source, start + i, `expected a key (letters, digits, _ - $ /, or a \`quoted key\`) in the path, found ${found}`);
      }
      segments.push({ key: name });
      i += name.length;
    }
    while (word.startsWith("[]", i)) {
      segments.push({ each: true });
      i += 2;
    }
    if (i === word.length) return segments;
    if (word[i] !== ".") fail(source, start + i, `expected '.' or '[]' after a key in the path, found '${word[i]}' (quote odd keys in backticks)`);
    i++;
  }
}

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
      return token.text;
    }
    if (isKeyword(token, "true") || isKeyword(token, "false") || isKeyword(token, "null")) {
      next();
      return isKeyword(token, "null") ? null : isKeyword(token, "true");
    }
    return expected(`a value after ${after}`);
  }

  function list(): Literal[] {
    const open = expectPunct("[", "'[' after 'in', like in [a, b]");
    const values: Literal[] = [];
    while (!atPunct("]")) {
      if (values.length) expectPunct(",", `',' or ']' to close the list opened at column ${column(text, open.start)}`);
      values.push(literal(values.length ? "','" : "'['"));
    }
    next();
    return values;
  }

  /**
   * `op` is the operator once the path is on the left; `opToken` and `valueToken` are as written
   * (a pattern is the text written, so `version ~ 1` reads "1").
   */
  function build(subject: Operand, op: CompareOp | "~", opToken: Token, valueToken: Token, value: Literal): Expr {
    if (op === "~") return { kind: "match", operand: subject, pattern: typeof value === "string" ? value : valueToken.text };
    if (subject.text === ELAPSED && typeof value === "string") {
      // `elapsed` is in seconds: a duration written as such (10m, 90s) is read as its seconds.
      const ms = durationMs(value);
      if (ms === null) fail(text, valueToken.start, `elapsed compares with seconds or a duration such as 90s, 10m, 2h, found ${describe(valueToken)}`);
      return { kind: "compare", operand: subject, op, value: ms / 1000 };
    }
    if ((typeof value === "boolean" || value === null) && op !== "=" && op !== "!=") {
      fail(text, opToken.start, `${value} can only be compared with = or !=, not '${opToken.text}'`);
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
        return { kind: "in", operand: subject, values: list(), negated };
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
 * One operand on its own, as `--sort` and `--columns` take it (`metrics.acc`, `max(metrics.acc)`,
 * `params.lr`); a malformed one is a usage error naming `option`.
 */
export function parseOperand(text: string, option: string): Operand {
  let parsed: Expr;
  try {
    parsed = parseWhere(`${text} = 0`);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw usageError(error.message.replace(/^--where/, option).replace(/, found '='$/, ", found the end"), error.hint);
  }
  if (parsed.kind !== "compare") throw usageError(`${option}: expected a path or an aggregate such as max(metrics.acc), got "${text}"`);
  return parsed.operand;
}
