import { keyText } from "./value-paths";

/** The leaves of nested objects with dotted keys: `{a: {b: 1}}` -> `[["a.b", 1]]`; a key holding a dot in backticks, as paths write it. */
export function flattenValues(value: unknown, prefix = "", out: [string, unknown][] = []): [string, unknown][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length) {
    for (const [key, child] of Object.entries(value)) flattenValues(child, prefix ? `${prefix}.${keyText(key)}` : keyText(key, true), out);
  } else {
    out.push([prefix, value]);
  }
  return out;
}

/** One item for people and for tab-separated readers: `key<TAB>value` rows, nested keys dotted. */
export function flatten(value: unknown): [string, string][] {
  return flattenValues(value).map(([key, leaf]) => [key, typeof leaf === "string" ? leaf : (JSON.stringify(leaf) ?? "")]);
}
