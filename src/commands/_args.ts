/** Argument definitions several commands share, and their parsers. */
import type { ArgsDef } from "citty";
import { usageError } from "../core/errors";

export const storeArgs = {
  dir: { type: "string", description: "Run store (default: $EXPRAG_DIR, else .exprag at the top of the git work tree, else ./.exprag)", valueHint: "DIR" },
} as const satisfies ArgsDef;

export const jsonArg = {
  json: { type: "boolean", description: "Compact JSON for programs" },
} as const satisfies ArgsDef;

/** Lists: newest first, `--limit N` (default 20) or `--all`, and `--json`. */
export const DEFAULT_LIMIT = 20;
export const listArgs = {
  limit: { type: "string", description: `Show at most N (default ${DEFAULT_LIMIT})`, valueHint: "N" },
  all: { type: "boolean", description: "Show all" },
  ...jsonArg,
} as const satisfies ArgsDef;

/** `--limit N` as a number; `--all` is no limit. */
export function parseLimit(args: { limit?: string; all?: boolean }, fallback = DEFAULT_LIMIT): number {
  if (args.all) return Number.POSITIVE_INFINITY;
  if (args.limit === undefined) return fallback;
  return parseCount(args.limit, "--limit");
}

/** A positive whole number given to `option`. */
export function parseCount(text: string, option: string): number {
  const count = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) throw usageError(`${option} must be a positive whole number, got "${text}"`);
  return count;
}
