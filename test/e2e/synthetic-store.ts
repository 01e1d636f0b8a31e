/** Run files written directly, for tests that need many runs of known values without starting each. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordLine } from "./harness";

export interface SyntheticRun {
  name?: string;
  /** The code: runs with the same tree have the same code. */
  tree?: string;
  params?: Record<string, unknown>;
  /** The command it ran (default: `train`). */
  argv?: string[];
  /** The metric's series (the last is its value); none: the run never reported it. */
  values?: number[];
  metric?: string;
  status?: "ok" | "failed" | "killed" | "interrupted";
  error?: string;
  why?: string;
  from?: string;
}

let counter = 0;

/** A new UUIDv7 whose time is `ms`; later calls with the same time still sort after earlier ones. */
export function syntheticId(ms: number): string {
  const hex = Math.floor(ms).toString(16).padStart(12, "0");
  const tail = (++counter).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${tail}`;
}

export function writeRun(store: string, ms: number, run: SyntheticRun): string {
  const id = syntheticId(ms);
  const at = new Date(ms).toISOString();
  const tree = run.tree ?? "a".repeat(40);
  const start = {
    git: {
      commit: tree.replace(/a/g, "c"),
      tree,
      branch: "main",
      head: null,
      dirty: false,
      snapshot_ref: null,
      status: { lines: [], total: 0 },
      skipped: [],
      submodules: [],
    },
    host: { hostname: "synthetic", os: "linux", arch: "x64", username: "test", cpu_count: 1 },
    process: {
      pid: 1,
      ppid: 0,
      cwd: "/",
      argv: run.argv ?? ["train"],
      started: { host: "synthetic", pid: 1, boot_id: null, start_ticks: null },
      heartbeat_s: 30,
    },
    metadata: {},
    params: run.params ?? {},
    ...(run.why && { why: run.why }),
    ...(run.from && { from: run.from }),
  };
  const extra = { experiment_name: run.name ?? "train", created_at: at };
  const lines = [recordLine(id, "run_start", start, extra)];
  for (const [step, value] of (run.values ?? []).entries()) lines.push(recordLine(id, "track", { step, [run.metric ?? "val"]: value }, extra));
  const status = run.status ?? "ok";
  const counts = { track: run.values?.length ?? 0, meta: 0, note: 0, parse_error: 0 };
  lines.push(
    recordLine(
      id,
      "run_end",
      { status, exit_code: status === "ok" ? 0 : 1, signal: null, duration_ms: 1000, counts, ...(run.error && { error: run.error }) },
      extra,
    ),
  );
  mkdirSync(join(store, "runs"), { recursive: true });
  writeFileSync(join(store, "runs", `${id}.jsonl`), lines.join(""));
  return id;
}

/** A normal deviate (Box-Muller) from a uniform generator. */
export function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
