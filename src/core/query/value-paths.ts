/**
 * Dotted paths into tracked values: `metrics.acc`, `layers[].loss` (`[]` stands for every element
 * of a list). A leading `value.` is accepted, since the original exprag's helpers name paths that
 * way; `value` alone is the whole value. Numbers stored as the strings "NaN", "Infinity" and "-Infinity" read back as non-finite.
 */
import { usageError } from "../errors";

export type PathStep = { key: string } | { each: true };

export function parsePath(text: string): PathStep[] {
  if (text === "value") return []; // the whole value, e.g. a number tracked on its own
  const trimmed = text.startsWith("value.") ? text.slice("value.".length) : text;
  const steps: PathStep[] = [];
  for (const part of trimmed.split(".")) {
    const match = /^([^[\]]*)((?:\[\])*)$/.exec(part);
    if (!match || (match[1] === "" && match[2] === "")) {
      throw usageError(`'${text}' is not a value path`, "write it like metrics.acc or layers[].loss");
    }
    if (match[1]) steps.push({ key: match[1] });
    for (let i = 0; i < match[2]!.length / 2; i++) steps.push({ each: true });
  }
  return steps;
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

export type LeafType = "number" | "string" | "boolean" | "null" | "list";

/** The leaf paths of a value with their values; lists of scalars are leaves, lists of objects are walked with `[]`. */
export function leaves(value: unknown, prefix = "", out: [path: string, value: unknown][] = []): [string, unknown][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    // for-in, not Object.entries: the same own keys in the same order (a parsed record's prototype has none), no pair made per key.
    for (const key in value) if (Object.hasOwn(value, key)) leaves((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key, out);
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
