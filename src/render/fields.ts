/** One item for people and for tab-separated readers: `key<TAB>value` rows, nested keys dotted. */
export function flatten(value: unknown, prefix = "", out: [string, string][] = []): [string, string][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.push([prefix, typeof value === "string" ? value : JSON.stringify(value) ?? ""]);
  }
  return out;
}
