/** What every benchmark script shares: its number flags, the built binary, a clean environment, medians, minima, generated runs. */
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
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

/** The id of the r-th run of a generated store: a UUIDv7 a minute after the one before, from `start`. */
export function benchRunId(start: number, r: number): string {
  const time = (start + r * 60_000).toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8)}-7${(r % 4096).toString(16).padStart(3, "0")}-8000-${r.toString(16).padStart(12, "0")}`;
}

/**
 * Writes the r-th run of a generated store: run_start with `startValue` (its value, as JSON), 98
 * track records of a falling loss and a rising acc, and run_end: 100 records.
 */
export function writeBenchRun(runsDir: string, start: number, r: number, id: string, startValue: string): void {
  const head = `{"schema_version":1,"exprag_version":"0.1.0","run_id":"${id}","experiment_name":"exp-${r % 50}","kind":"`;
  const at = (ms: number) => `,"created_at":"${new Date(start + r * 60_000 + ms).toISOString()}","elapsed_ms":${ms}}`;
  const lines = [`${head}run_start","value":${startValue}${at(0)}`];
  for (let step = 0; step < 98; step++) {
    const acc = (0.5 + 0.4 * (1 - Math.exp(-step / 30)) * ((r % 1000) / 1000)).toFixed(6);
    lines.push(`${head}track","value":{"step":${step},"metrics":{"loss":${(1 / (step + 1)).toFixed(6)},"acc":${acc}}}${at(step * 10)}`);
  }
  lines.push(
    `${head}run_end","value":{"status":"ok","exit_code":0,"signal":null,"duration_ms":1000,"counts":{"track":98,"meta":0,"note":0,"parse_error":0}}${at(1000)}`,
  );
  const fd = openSync(`${runsDir}/${id}.jsonl`, "w");
  writeSync(fd, `${lines.join("\n")}\n`);
  closeSync(fd);
}

/** The i-th line of the ingest benchmarks: a magic line whose record carries `metrics.loss`. */
export const benchMagicLine = (i: number): string => `EXPRAG::{"step": ${i}, "metrics": {"loss": ${1 / (i + 1)}, "acc": ${(i % 1000) / 1000}}}\n`;
