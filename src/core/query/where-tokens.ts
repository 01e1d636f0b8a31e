/** Reading `--where` text into tokens, and a path word into its keys; a malformed one is a usage error naming the column. */
import { usageError } from "../errors";
import { BARE_KEY, JSON_NUMBER, readQuoted, WHERE_KEYWORDS } from "./value-paths";
import type { PathSegment } from "./where-syntax";

export type Token =
  | { type: "word" | "string" | "keyword" | "op" | "punct"; text: string; start: number }
  | { type: "number"; text: string; value: number; start: number }
  | { type: "end"; text: ""; start: number };

const WORD_END = /[\s"'(),=!<>~[\]]/;
const OPERATORS = ["!=", "==", "<=", ">=", "=", "<", ">", "~"];

export const column = (text: string, index: number) => [...text.slice(0, index)].length + 1;

export function fail(text: string, index: number, message: string): never {
  throw usageError(`--where: column ${column(text, index)}: ${message}`, "see 'exprag ls --help'");
}

/** How a token reads in a message: `'and'`, `0.5`, `"ok"`, or `the end`. */
export function describe(token: Token): string {
  if (token.type === "end") return "the end";
  if (token.type === "string") return JSON.stringify(token.text);
  return token.type === "number" ? token.text : `'${token.text}'`;
}

/** Reads past a quoted run starting at `start` (a quote character); returns its text and where it ends. */
function closedQuote(text: string, start: number, what: string): { value: string; end: number } {
  return readQuoted(text, start) ?? fail(text, start, `expected a closing ${text[start]} for the ${what} that starts here, found the end`);
}

/**
 * A comma-separated list of operands (`--columns`, `--group-by`): a comma inside parentheses,
 * brackets, a `quoted key` or a quoted string belongs to the operand. Names are trimmed.
 */
export function splitOperandList(text: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "`" || char === '"' || char === "'") i = (readQuoted(text, i)?.end ?? text.length) - 1;
    else if (char === "(" || char === "[") depth++;
    else if (char === ")" || char === "]") depth--;
    else if (char === "," && depth === 0) {
      names.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  names.push(text.slice(start).trim());
  return names;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '"' || char === "'") {
      const { value, end } = closedQuote(text, i, "string");
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
        if (text[i] === "`") i = closedQuote(text, i, "key").end;
        else if (text.startsWith("[]", i) && i > start && !/^in$/i.test(text.slice(start, i))) i += 2;
        else if (WORD_END.test(text[i]!)) break;
        else i++;
      }
      const word = text.slice(start, i);
      if (JSON_NUMBER.test(word)) tokens.push({ type: "number", text: word, value: Number(word), start });
      else if (WHERE_KEYWORDS.has(word.toLowerCase())) tokens.push({ type: "keyword", text: word, start });
      else tokens.push({ type: "word", text: word, start });
    }
  }
  tokens.push({ type: "end", text: "", start: text.trimEnd().length });
  return tokens;
}

/** The segments of a path word such as ``layers[].loss`` or ``metrics.`-odd key` ``; `start` places errors. */
export function parseSegments(source: string, word: string, start: number): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  for (;;) {
    if (word[i] === "`") {
      const { value, end } = closedQuote(word, i, "key");
      segments.push({ key: value });
      i = end;
    } else {
      const name = BARE_KEY.exec(word.slice(i))?.[0];
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
