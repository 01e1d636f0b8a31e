/** Reading a value of unknown shape, as a record from a file or a remote holds it: a wrong type reads as absent. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export const asObject = (value: unknown): JsonObject => (isObject(value) ? value : {});
export const asString = (value: unknown): string | null => (typeof value === "string" ? value : null);
export const asFiniteNumber = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
export const asBoolean = (value: unknown): boolean | null => (typeof value === "boolean" ? value : null);
export const asStrings = (value: unknown): string[] | null => (Array.isArray(value) && value.every((item) => typeof item === "string") ? value : null);

/** Records nest at most this deep: a deeper record line is kept as a parse_error, and metadata deeper than this is refused. */
export const MAX_RECORD_DEPTH = 100;

/** Whether JSON text nests deeper than `limit` (containers within containers); strings are skipped. */
export function exceedsDepth(text: string, limit: number): boolean {
  // Nesting deeper than `limit` needs more than `limit` openers in all: counting them is a native
  // search, where the exact walk below costs a step per character (most of a long line's parse).
  if (text.length <= limit || !hasMoreOpeners(text, limit)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Whether `text` holds more than `limit` of `{` and `[` together (in strings too). */
function hasMoreOpeners(text: string, limit: number): boolean {
  let count = 0;
  for (let i = text.indexOf("{"); i >= 0; i = text.indexOf("{", i + 1)) if (++count > limit) return true;
  for (let i = text.indexOf("["); i >= 0; i = text.indexOf("[", i + 1)) if (++count > limit) return true;
  return false;
}
