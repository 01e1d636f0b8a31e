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
