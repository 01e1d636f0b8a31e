/** Reading runs back from the store: one summary per run file. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import type { ProcessIdentity } from "./context";
import { readStartTicks } from "./context";
import { shortId } from "./run-ref";
import { runsDir } from "./store";
import { join } from "node:path";

export type RunState = "ok" | "failed" | "killed" | "interrupted" | "running" | "crashed";

export interface RunSummary {
  run_id: string;
  short_id: string;
  experiment_name: string;
  started_at: string;
  status: RunState;
  exit_code: number | null;
  duration_ms: number | null;
  records: number;
  file: string;
}


export function listRunSummaries(store: string, warn: (message: string) => void): RunSummary[] {
  const dir = runsDir(store);
  if (!existsSync(dir)) return [];
  const summaries: RunSummary[] = [];
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith(".jsonl")) continue;
    const summary = summarizeRunFile(join(dir, entry), warn);
    if (summary) summaries.push(summary);
  }
  return summaries.sort((a, b) => (a.run_id < b.run_id ? 1 : a.run_id > b.run_id ? -1 : 0));
}

interface RecordLine {
  run_id?: string;
  experiment_name?: string;
  kind?: string;
  value?: Record<string, unknown> | null;
  created_at?: string;
}

export function summarizeRunFile(file: string, warn: (message: string) => void): RunSummary | null {
  const lines = readFileSync(file, "utf8").split("\n");
  let start: RecordLine | null = null;
  let end: RecordLine | null = null;
  let records = 0;
  let badLine = 0;
  lines.forEach((line, index) => {
    if (!line) return;
    let record: RecordLine;
    try {
      record = JSON.parse(line);
    } catch {
      badLine ||= index + 1;
      return;
    }
    if (record === null || typeof record !== "object") {
      badLine ||= index + 1;
      return;
    }
    if (record.kind === "run_start") start = record;
    else if (record.kind === "run_end") end = record;
    else records++;
  });
  if (badLine) warn(`${file}:${badLine}: skipped a line that is not JSON`);
  const first = start as RecordLine | null;
  if (typeof first?.run_id !== "string") {
    warn(`${file}: no run_start record; not a run file`);
    return null;
  }
  const last = end as RecordLine | null;
  const ended = last?.value ?? null;
  const started = (first.value?.process as { started?: ProcessIdentity } | undefined)?.started;
  return {
    run_id: first.run_id,
    short_id: shortId(first.run_id),
    experiment_name: first.experiment_name ?? "",
    started_at: first.created_at ?? "",
    status: ended ? (ended.status as RunState) : started && isAlive(started) ? "running" : "crashed",
    exit_code: (ended?.exit_code as number | undefined) ?? null,
    duration_ms: (ended?.duration_ms as number | undefined) ?? null,
    records,
    file,
  };
}

/** Whether the exprag process that started a run still lives: same host, same pid, same start time. */
export function isAlive(started: ProcessIdentity): boolean {
  if (started.host !== os.hostname()) return true; // cannot tell from here; do not call it crashed
  try {
    process.kill(started.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return started.start_ticks === null || readStartTicks(started.pid) === started.start_ticks;
}
