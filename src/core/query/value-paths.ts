/**
 * Dotted paths into tracked values: `metrics.acc`, `layers[].loss` (`[]` stands for every element
 * of a list). A leading `value.` is accepted, since the original exprag's helpers name paths that
 * way; `value` alone is the whole value. Numbers stored as the strings "NaN", "Infinity" and "-Infinity" read back as non-finite.
 */
import { usageError } from "../errors";

export type PathStep = { key: string } | { each: true };

/**
 * Reads a path. A key holding `.`, `[`, `]` or a backtick is written in backticks (`` `layer.0.norm` ``;
 * `\` escapes a backtick or a backslash inside), as `--where` writes one and as `paths` shows it.
 */
export function parsePath(text: string): PathStep[] {
  if (text === "value") return []; // the whole value, e.g. a number tracked on its own
  const path = text.startsWith("value.") ? text.slice("value.".length) : text;
  const bad = () => usageError(`'${text}' is not a value path`, "write it like metrics.acc, layers[].loss or metrics.`layer.0.norm`");
  const steps: PathStep[] = [];
  let i = 0;
  for (;;) {
    const before = steps.length;
    if (path[i] === "`") {
      const quoted = readQuoted(path, i);
      if (!quoted) throw bad();
      steps.push({ key: quoted.value });
      i = quoted.end;
    } else {
      const key = /^[^.[\]`]*/.exec(path.slice(i))![0];
      if (key) steps.push({ key });
      i += key.length;
    }
    while (path.startsWith("[]", i)) {
      steps.push({ each: true });
      i += 2;
    }
    if (steps.length === before) throw bad();
    if (i === path.length) return steps;
    if (path[i] !== ".") throw bad();
    i++;
  }
}

/**
 * The quoted text starting at `start` (its quote character: a backtick for a key, ' or " for a
 * --where string), `\\` escaping the quote or a backslash, and where it ends; null when unclosed.
 */
export function readQuoted(text: string, start: number): { value: string; end: number } | null {
  const quote = text[start]!;
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === quote) return { value, end: i + 1 };
    if (char === "\\" && (text[i + 1] === quote || text[i + 1] === "\\")) value += text[++i];
    else value += char;
  }
  return null;
}

/**
 * A key as a path writes it: as it is when `--where` can read it bare (letters, digits, `_ $ / -`),
 * else in backticks, so that what `paths` shows every command takes. A path's `first` key is also
 * quoted when `--where` would read it as a number or a keyword (`5`, `not`), and a first key
 * `value` is written `value.value`, since a leading `value.` is the tracked value's own prefix.
 */
export function keyText(key: string, first = false): string {
  if (first && (JSON_NUMBER.test(key) || WHERE_KEYWORDS.has(key.toLowerCase()))) return quoted(key);
  if (first && key === "value") return "value.value";
  // A table, not a regular expression, for ASCII: every key of every record a summary reads comes here.
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code >= 0x80 || BARE_ASCII[code] === 0) return BARE_KEY.exec(key)?.[0] === key ? key : quoted(key);
  }
  return key === "" ? "``" : key;
}

const quoted = (key: string) => `\`${key.replace(/[`\\]/g, "\\$&")}\``;

/** What --where reads as a number or a keyword rather than a path (where-tokens.ts). */
export const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
export const WHERE_KEYWORDS = new Set(["true", "false", "null", "and", "or", "not", "in"]);

const BARE_ASCII = Uint8Array.from({ length: 0x80 }, (_, code) => Number(/[A-Za-z0-9_$/-]/.test(String.fromCharCode(code))));

/** The longest key at the start of a text that `--where` reads without quotes. */
export const BARE_KEY = /^[\p{L}\p{N}_$/-]+/u;

/**
 * What a path that no run has was more likely meant as: an aggregate (`max(metrics.acc)`, with the
 * path inside) or a condition (`metrics.acc > 0.9`); null when it reads as a plain path.
 */
export function misreadPath(text: string): { kind: "aggregate"; path: string; aggregate: string } | { kind: "condition"; path: string } | null {
  if (text.includes("`")) return null; // quoted keys: the writer meant a path
  const aggregate = /^(last|first|min|max|mean|count)\s*\(\s*([^()]+?)\s*\)$/i.exec(text);
  if (aggregate) return { kind: "aggregate", path: aggregate[2]!, aggregate: aggregate[1]!.toLowerCase() };
  const condition = /^\s*([^\s<>=!~]+)\s*(?:<=|>=|!=|==|=|<|>|~)|\s(?:and|or|in)\s/i.exec(text);
  if (condition) return { kind: "condition", path: condition[1] ?? text };
  return null;
}

/** Every value found at the path (several when it goes through lists). */
export function valuesAt(value: unknown, steps: PathStep[]): unknown[] {
  let current: unknown[] = [value];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const item of current) {
      if ("each" in step) {
        if (Array.isArray(item)) next.push(...item);
      } else if (item !== null && typeof item === "object" && !Array.isArray(item) && Object.hasOwn(item, step.key)) {
        next.push((item as Record<string, unknown>)[step.key]);
      }
    }
    current = next;
  }
  return current;
}

/** A number, including the stored non-finite strings; null for anything else. */
export function asNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  return null;
}

/** A number as JSON can carry it: NaN and the infinities as the strings they are stored as (asNumber reads them back). */
export function jsonNumber(value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}

export type LeafType = "number" | "string" | "boolean" | "null" | "list";

/** The leaf paths of a value with their values; lists of scalars are leaves, lists of objects are walked with `[]`. */
export function leaves(value: unknown, prefix = "", out: [path: string, value: unknown][] = []): [string, unknown][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    // for-in, not Object.entries: the same own keys in the same order (a parsed record's prototype has none), no pair made per key.
    for (const key in value)
      if (Object.hasOwn(value, key)) leaves((value as Record<string, unknown>)[key], prefix ? `${prefix}.${keyText(key)}` : keyText(key, true), out);
  } else if (Array.isArray(value) && value.some((item) => item !== null && typeof item === "object")) {
    for (const item of value) leaves(item, `${prefix}[]`, out);
  } else {
    out.push([prefix || "value", value]);
  }
  return out;
}

export function leafType(value: unknown): LeafType {
  if (asNumber(value) !== null) return "number";
  if (Array.isArray(value)) return "list";
  if (value === null) return "null";
  return typeof value === "boolean" ? "boolean" : "string";
}

/**
 * The last key of a path as it appears in a record line, for a quick text search before parsing;
 * null when it cannot be searched as text (a non-ASCII key may be written as \u escapes).
 */
export function searchKey(steps: PathStep[]): string | null {
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if ("key" in step) return /^[\x20-\x7e]*$/.test(step.key) ? JSON.stringify(step.key) : null;
  }
  return null;
}

/** Each path's key, made once: a selection asks the same paths of every run, several times each. */
const pathKeys = new WeakMap<PathStep[], string>();
export function pathKey(steps: PathStep[]): string {
  const known = pathKeys.get(steps);
  if (known !== undefined) return known;
  const key = JSON.stringify(steps);
  pathKeys.set(steps, key);
  return key;
}
