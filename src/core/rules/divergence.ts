/** Whether a run's numbers went to NaN or infinity, and where that first happened. */
import { keyText } from "../query/value-paths";
import { type Divergence, STEP_KEYS } from "../record/schema";

const NON_FINITE = new Set(["NaN", "Infinity", "-Infinity"]);

/** The first leaf of a tracked value that is a non-finite number (stored as "NaN", "Infinity", "-Infinity"). */
export function firstNonFinitePath(value: unknown, prefix = ""): string | null {
  if (typeof value === "number") return Number.isFinite(value) ? null : prefix || "value";
  if (typeof value === "string") return NON_FINITE.has(value) ? prefix || "value" : null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = firstNonFinitePath(item, `${prefix}[]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const found = firstNonFinitePath(child, prefix ? `${prefix}.${keyText(key)}` : keyText(key, true));
      if (found) return found;
    }
  }
  return null;
}

/** The divergence a tracked value shows, if it shows one: its path, step and `file:line`. */
export function divergenceOf(value: unknown, file: string, line: number): Divergence | null {
  const path = firstNonFinitePath(value);
  if (path === null) return null;
  return { path, step: stepOf(value), source: `${file}:${line}` };
}

/** A tracked value's step: its first counter key (step, epoch...) holding a number. */
export function stepOf(value: unknown): number | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const key = STEP_KEYS.find((name) => typeof record[name] === "number");
  return key ? (record[key] as number) : null;
}
