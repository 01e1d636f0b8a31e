import type { JsonObject } from "../record/decode";

/**
 * A run's metadata: `extra` merged into `base`, objects key by key, anything else replaced. Keys
 * such as `__proto__` are ordinary keys here.
 */
export function mergeMetadata(base: JsonObject, extra: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of [...Object.entries(base), ...Object.entries(extra)]) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    const merged = isPlainObject(value) && isPlainObject(current) ? mergeMetadata(current, value) : isPlainObject(value) ? mergeMetadata({}, value) : value;
    Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const isPlainObject = (value: unknown): value is JsonObject => value !== null && typeof value === "object" && !Array.isArray(value);
