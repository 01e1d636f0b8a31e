/**
 * `best` ranks by last value reading each finished run only as far as its ranking needs
 * (readFinishedRun), and reads the rest of a run only when it is shown. Over ordinary and hostile
 * run files, that answer, its warnings included, must be the one the full read of every run gives.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { type Aggregate, type Direction, explainRanking, RankCandidate, rankCandidates, rankRuns, shownRun } from "../../../src/core/query/best";
import { type Selection, selectRuns } from "../../../src/core/query/selection";
import { readFinishedRun } from "../../../src/core/query/summary";
import { parsePath } from "../../../src/core/query/value-paths";
import { runFilePath } from "../../../src/core/store";

const stores: string[] = [];
const mkfifo = (path: string) => execFileSync("mkfifo", [path]);
afterAll(() => {
  for (const store of stores) rmSync(store, { recursive: true, force: true });
});

function newStore(): string {
  const store = mkdtempSync(join(tmpdir(), "exprag-best-ranking-"));
  mkdirSync(join(store, "runs"));
  stores.push(store);
  return store;
}

let runs = 0;
const nextId = () => `019a0000-0000-7000-8000-${(++runs).toString(16).padStart(12, "0")}`;
const record = (id: string, kind: string, value: unknown) =>
  JSON.stringify({
    schema_version: 1,
    exprag_version: "0.1.0",
    run_id: id,
    experiment_name: "e",
    kind,
    value,
    created_at: "2026-01-01T00:00:00.000Z",
    elapsed_ms: 1,
  });
const startOf = (id: string, extra: Record<string, unknown> = {}) =>
  record(id, "run_start", {
    git: { commit: "c".repeat(40), branch: "main", dirty: false },
    host: { hostname: "h" },
    process: { pid: 1, argv: ["x"], started: { host: "elsewhere", pid: 1, start_ticks: 1 } },
    metadata: {},
    params: { lr: 0.1 },
    ...extra,
  });
const track = (id: string, value: unknown) => record(id, "track", value);
const endOf = (id: string, extra: Record<string, unknown> = {}) =>
  record(id, "run_end", { status: "ok", exit_code: 0, signal: null, duration_ms: 5, counts: { track: 2, meta: 0, note: 0, parse_error: 0 }, ...extra });

/** Writes a run file of these lines (each ended by a newline unless `torn`); its id. */
function write(store: string, lines: (id: string) => string[], options: { id?: string; torn?: boolean } = {}): string {
  const id = options.id ?? nextId();
  const text = lines(id).join("\n");
  writeFileSync(runFilePath(store, id), options.torn ? text : `${text}\n`);
  return id;
}

const ordinary = (acc: unknown) => (id: string) => [
  startOf(id),
  track(id, { step: 0, metrics: { acc: 0.1 } }),
  track(id, { step: 1, metrics: { acc } }),
  endOf(id),
];

/** A store of ordinary runs and every kind of hostile one. */
function hostileStore(): string {
  const store = newStore();
  for (const acc of [0.5, 0.7, 0.7, 0.9, "NaN", "Infinity", "-Infinity", 0.2]) write(store, ordinary(acc));
  // A truncated last line, with no run_end.
  write(store, (id) => [startOf(id), track(id, { metrics: { acc: 0.6 } }), track(id, { metrics: { acc: 0.65 } }).slice(0, 60)], { torn: true });
  // A truncated last line after run_end.
  write(store, (id) => [...ordinary(0.61)(id), track(id, { metrics: { acc: 0.3 } }).slice(0, 50)], { torn: true });
  // run_end missing: its writer is gone (crashed), or still alive (running, this process).
  write(store, (id) => [startOf(id), track(id, { metrics: { acc: 0.8 } })]);
  write(store, (id) => [
    startOf(id, { process: { pid: process.pid, argv: ["x"], started: { host: hostname(), pid: process.pid, boot_id: null, start_ticks: null } } }),
    track(id, { metrics: { acc: 0.85 } }),
  ]);
  // Another host's run with a heartbeat: running while its file is fresh.
  write(store, (id) => [
    startOf(id, { process: { pid: 1, argv: ["x"], started: { host: "elsewhere", pid: 1, start_ticks: 1 }, heartbeat_s: 3600 } }),
    track(id, { metrics: { acc: 0.86 } }),
  ]);
  // Lines of 3 KB: the first 4 KB read from the end cuts one in half.
  const pad = "x".repeat(3000);
  write(store, (id) => [startOf(id), track(id, { metrics: { acc: 0.4 }, pad }), track(id, { metrics: { acc: 0.45 }, pad }), endOf(id)]);
  // A run_end larger than the tail window, and a run_start larger than the first read.
  write(store, (id) => [startOf(id), track(id, { metrics: { acc: 0.55 } }), endOf(id, { status: "failed", error: "e".repeat(9000), exit_code: 1 })]);
  write(store, (id) => [startOf(id, { why: "w".repeat(10_000) }), track(id, { metrics: { acc: 0.56 } }), endOf(id)]);
  // The metric missing from the last track records but in an earlier one; not a number in the last.
  write(store, (id) => [
    startOf(id),
    track(id, { metrics: { acc: 0.33 } }),
    ...Array.from({ length: 12 }, (_, step) => track(id, { step, metrics: { loss: step } })),
    endOf(id),
  ]);
  write(store, (id) => [startOf(id), track(id, { metrics: { acc: 0.34 } }), track(id, { metrics: { acc: null } }), endOf(id)]);
  write(store, (id) => [startOf(id), track(id, { metrics: { acc: 0.35 } }), track(id, { metrics: { acc: "high" } }), endOf(id)]);
  // The path as a flat key, and both ways in one record (the first leaf wins).
  write(store, (id) => [startOf(id), track(id, { "metrics.acc": 0.36 }), endOf(id)]);
  write(store, (id) => [startOf(id), track(id, { metrics: { acc: 0.37 }, "metrics.acc": 0.38 }), endOf(id)]);
  // Never reported the metric.
  write(store, (id) => [startOf(id), track(id, { metrics: { loss: 1 } }), endOf(id)]);
  // Diverged, killed, an unknown status.
  write(store, (id) => [...ordinary(0.71)(id).slice(0, -1), endOf(id, { diverged: { path: "metrics.loss", step: 3, source: "track" } })]);
  write(store, (id) => [...ordinary(0.72)(id).slice(0, -1), endOf(id, { status: "killed", signal: "SIGKILL" })]);
  write(store, (id) => [...ordinary(0.73)(id).slice(0, -1), endOf(id, { status: "later" })]);
  // A record after run_end, and a line between the last track and run_end that is not a record.
  write(store, (id) => [...ordinary(0.74)(id), track(id, { metrics: { acc: 0.75 } })]);
  write(store, (id) => [startOf(id), track(id, { metrics: { acc: 0.76 } }), "not json", endOf(id)]);
  // A file that names another run; one whose first line is no run_start; an empty one.
  write(store, (id) => ordinary(0.77)(nextId()).map((line) => line.replaceAll(/"run_id":"[^"]+"/g, `"run_id":"${id.replace(/.$/, "f")}"`)));
  write(store, (id) => [track(id, { metrics: { acc: 0.78 } }), endOf(id)]);
  write(store, () => [""], { torn: true });
  // A run_start that is a list, and one nested past the depth a record may have.
  write(store, (id) => [`[${startOf(id)}]`, track(id, { metrics: { acc: 0.79 } }), endOf(id)]);
  write(store, (id) => [`{"kind":"run_start","run_id":"${id}","value":${"[".repeat(600)}${"]".repeat(600)}}`, track(id, { metrics: { acc: 0.8 } }), endOf(id)]);
  // A queued Slurm point that already ended.
  write(store, (id) => [startOf(id, { queued: { kind: "slurm", job_id: "1", array_task_id: "0" } }), track(id, { metrics: { acc: 0.81 } }), endOf(id)]);
  // Not a regular file.
  mkfifo(runFilePath(store, nextId()));
  return store;
}

/** best's answer and warnings, by the way best reads now, or by the full read of every run. */
function answer(store: string, path: string, agg: Aggregate, direction: Direction, full: boolean, selection: Selection = { references: [] }) {
  const warnings: string[] = [];
  const warn = (message: string) => void warnings.push(message);
  const steps = parsePath(path);
  try {
    const candidates = full
      ? selectRuns(store, selection, Number.POSITIVE_INFINITY, warn).runs.map(RankCandidate.of)
      : rankCandidates(store, selection, { steps, agg }, warn);
    const { ranked, missing } = rankRuns(candidates, steps, { direction, agg, path }, warn);
    const explanation = explainRanking({ ranked, missing }, { path, agg, direction, from: "flag" });
    return { shown: ranked.slice(0, 20).map(shownRun), ranked: ranked.length, missing, explanation, warnings };
  } catch (error) {
    return { error: (error as Error).message, warnings };
  }
}

describe("best by last value", () => {
  const store = hostileStore();

  test.each([
    ["metrics.acc", "last", "max"],
    ["metrics.acc", "last", "min"],
    ["metrics.loss", "last", "min"],
    ["value.metrics.acc", "last", "max"],
    ["step", "last", "max"],
    ["value", "last", "max"],
    ["metrics.acc", "max", "max"],
  ] as [string, Aggregate, Direction][])("%s (%s, %s) answers as the full read of every run does, warnings included", (path, agg, direction) => {
    const fast = answer(store, path, agg, direction, false);
    expect(fast).toEqual(answer(store, path, agg, direction, true));
    expect(fast.warnings.length).toBeGreaterThan(0);
  });

  test("a path no run has is the same usage error", () => {
    const fast = answer(store, "metrics.accuracy", "last", "max", false);
    expect(fast.error).toContain("none of the");
    expect(fast).toEqual(answer(store, "metrics.accuracy", "last", "max", true));
  });

  test("a selection, or runs named, is read in full as before", () => {
    const named = { references: ["latest", "latest~1"] };
    expect(answer(store, "metrics.acc", "last", "max", false, named)).toEqual(answer(store, "metrics.acc", "last", "max", true, named));
    const filtered = { references: [], statuses: ["ok" as const] };
    expect(answer(store, "metrics.acc", "last", "max", false, filtered)).toEqual(answer(store, "metrics.acc", "last", "max", true, filtered));
  });

  test("the ranking is what the values say: finite first, ties newest first, non-finite after", () => {
    const ties = newStore();
    const ids = [0.5, 0.7, 0.7, "NaN", 0.9, "Infinity"].map((acc) => write(ties, ordinary(acc)));
    const fast = answer(ties, "metrics.acc", "last", "max", false);
    expect(fast.shown!.map((run) => [run.run_id, run.value])).toEqual([
      [ids[4]!, 0.9],
      [ids[2]!, 0.7],
      [ids[1]!, 0.7],
      [ids[0]!, 0.5],
      // Non-finite values keep the selection's order (newest first).
      [ids[5]!, "Infinity"],
      [ids[3]!, "NaN"],
    ]);
    expect(fast.shown![0]).toMatchObject({
      rank: 1,
      experiment_name: "e",
      agg: "last",
      points_used: 1,
      status: "ok",
      diverged: false,
      dirty: false,
      params: { lr: 0.1 },
    });
    expect(fast).toEqual(answer(ties, "metrics.acc", "last", "max", true));
  });

  test("a shown run whose file went between its ranking and its showing is a one-line error, not a crash", () => {
    const gone = newStore();
    const id = write(gone, ordinary(0.5));
    const steps = parsePath("metrics.acc");
    const { ranked } = rankRuns(
      rankCandidates(gone, { references: [] }, { steps, agg: "last" }, () => {}),
      steps,
      { direction: "max", agg: "last", path: "metrics.acc" },
      () => {},
    );
    rmSync(runFilePath(gone, id));
    expect(() => ranked.map(shownRun)).toThrow(/was removed or changed while it was ranked/);
  });

  test("a run without the value whose file went between its listing and its ranking is warned of, not a crash", () => {
    const gone = newStore();
    const id = write(gone, (id) => [startOf(id), track(id, { metrics: { other: 1 } }), endOf(id)]);
    const kept = write(gone, ordinary(0.5));
    const steps = parsePath("metrics.acc");
    const warnings: string[] = [];
    const candidates = rankCandidates(gone, { references: [] }, { steps, agg: "last" }, (message) => void warnings.push(message));
    rmSync(runFilePath(gone, id));
    const { ranked, missing } = rankRuns(candidates, steps, { direction: "max", agg: "last", path: "metrics.acc" }, (message) => void warnings.push(message));
    expect(ranked.map((run) => run.run_id)).toEqual([kept]);
    expect(missing).toEqual([]);
    expect(warnings.join("\n")).toContain("cannot be read (ENOENT)");
  });
});

describe("readFinishedRun", () => {
  const store = newStore();
  const read = (lines: (id: string) => string[], options: { torn?: boolean } = {}) => {
    const id = write(store, lines, options);
    return readFinishedRun(runFilePath(store, id), id, "metrics.acc");
  };

  test("reads a run that ended cleanly: its status, divergence and the wanted metric", () => {
    expect(read(ordinary(0.5))).toEqual({ status: "ok", diverged: false, metrics: { "metrics.acc": 0.5 } });
    const diverged = read((id) => [
      ...ordinary(0.5)(id).slice(0, -1),
      endOf(id, { status: "failed", diverged: { path: "metrics.acc", step: 1, source: "track" } }),
    ]);
    expect(diverged).toMatchObject({ status: "failed", diverged: true });
  });

  test("leaves every other run to the full read", () => {
    expect(read((id) => [startOf(id), track(id, { metrics: { acc: 1 } })])).toBeNull();
    expect(read((id) => [...ordinary(0.5)(id), "{"], { torn: true })).toBeNull();
    expect(read((id) => [...ordinary(0.5)(id), track(id, { metrics: { acc: 1 } })])).toBeNull();
    expect(read(() => ordinary(0.5)(nextId()))).toBeNull();
    expect(read(() => [""], { torn: true })).toBeNull();
    const fifo = nextId();
    mkfifo(runFilePath(store, fifo));
    expect(readFinishedRun(runFilePath(store, fifo), fifo, null)).toBeNull();
    expect(readFinishedRun(runFilePath(store, nextId()), "missing", null)).toBeNull();
  });
});
