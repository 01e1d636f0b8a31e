/** What every benchmark script shares: its number flags, the built binary, a clean environment, medians, minima. */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The number after `--name` on the command line, else `fallback`. */
export function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

/** dist/exprag, which must be built first. */
export function builtExprag(): string {
  const exprag = join(import.meta.dir, "..", "..", "dist", "exprag");
  if (!existsSync(exprag)) throw new Error("dist/exprag is missing: run `npm run build` first");
  return exprag;
}

/** This environment without exprag's and git's own variables, with `extra` on top. */
export function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  const kept = Object.entries(process.env).filter(([key, value]) => value !== undefined && !key.startsWith("GIT_") && !key.startsWith("EXPRAG_"));
  return { ...(Object.fromEntries(kept) as Record<string, string>), ...extra };
}

/** A fixed identity for the commits a benchmark makes. */
export const BENCH_IDENTITY = {
  GIT_AUTHOR_NAME: "bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
};

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The fastest of several runs: noise on a shared machine only ever adds time. */
export function fastest(values: number[]): number {
  return Math.min(...values);
}
