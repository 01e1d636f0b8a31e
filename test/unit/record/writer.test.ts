import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunFile } from "../../../src/core/record/writer";
import { writeQueuedRuns } from "../../../src/core/slurm/queued-runs";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const RUN = "01a24380-0000-7000-8000-000000000001";

function newStore(): { store: string; file: string } {
  const store = mkdtempSync(join(tmpdir(), "exprag-writer-"));
  dirs.push(store);
  const runs = join(store, "runs");
  mkdirSync(runs);
  return { store, file: join(runs, `${RUN}.jsonl`) };
}

const queue = (store: string) =>
  writeQueuedRuns({ store, jobId: "5", experimentName: "x", git: null, metadata: {}, tags: [], runs: [{ runId: RUN, point: { lr: 0.1 } }] });

describe("a run's file", () => {
  test("appears with its run_start, never empty, and leaves nothing else in the folder", () => {
    const { store, file } = newStore();
    const run = new RunFile(file, store, RUN, "x");
    // An empty run file reads as a crashed run: until run_start is written, there is none.
    expect(existsSync(file)).toBe(false);
    run.add("run_start", '{"lr":0.1}');
    expect(existsSync(file)).toBe(false);
    expect(run.flush()).toBe(true);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ run_id: RUN, kind: "run_start", value: { lr: 0.1 } });
    expect(run.stillInPlace()).toBe(true);
    run.add("track", '{"acc":1}');
    expect(run.close()).toBe(true);
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean)).toHaveLength(2);
    expect(readdirSync(join(store, "runs"))).toEqual([`${RUN}.jsonl`]);
  });

  test("is not made over a file already there, which stays as it was", () => {
    const { store, file } = newStore();
    writeFileSync(file, "another run's\n");
    expect(() => new RunFile(file, store, RUN, "x")).toThrow("(EEXIST)");
    expect(readFileSync(file, "utf8")).toBe("another run's\n");
    expect(readdirSync(join(store, "runs"))).toEqual([`${RUN}.jsonl`]);
  });

  test("does not take the place of a file another writer put there after it began: its run_start fails, and what it wrote goes", () => {
    const { store, file } = newStore();
    const run = new RunFile(file, store, RUN, "x");
    writeFileSync(file, "another run's\n");
    run.add("run_start", "{}");
    expect(run.flush()).toBe(false);
    expect(run.failureReason).toBe("EEXIST");
    run.close();
    run.remove();
    expect(readFileSync(file, "utf8")).toBe("another run's\n");
    expect(readdirSync(join(store, "runs"))).toEqual([`${RUN}.jsonl`]);
  });

  test("takes the place of its Slurm point's queued file whole at its first write", () => {
    const { store, file } = newStore();
    queue(store);
    const queued = readFileSync(file, "utf8");
    expect(JSON.parse(queued).value.queued).toMatchObject({ job_id: "5", array_task_id: "0" });
    const run = new RunFile(file, store, RUN, "x");
    run.add("run_start", "{}");
    expect(readFileSync(file, "utf8")).toBe(queued);
    expect(run.flush()).toBe(true);
    run.close();
    expect(JSON.parse(readFileSync(file, "utf8")).value).toEqual({});
    expect(readdirSync(join(store, "runs"))).toEqual([`${RUN}.jsonl`]);
  });
});

describe("a Slurm point's queued file", () => {
  test("placed by its submitter after its task's run began (sbatch answers first) is replaced at the run's first write", () => {
    const { store, file } = newStore();
    const run = new RunFile(file, store, RUN, "x");
    queue(store);
    run.add("run_start", "{}");
    expect(run.flush()).toBe(true);
    run.close();
    expect(JSON.parse(readFileSync(file, "utf8")).value).toEqual({});
    expect(readdirSync(join(store, "runs"))).toEqual([`${RUN}.jsonl`]);
  });

  test("is never written over a run its task wrote first, and leaves nothing else in the folder", () => {
    const { store, file } = newStore();
    writeFileSync(file, "the task's run\n");
    queue(store);
    expect(readFileSync(file, "utf8")).toBe("the task's run\n");
    expect(readdirSync(join(store, "runs"))).toEqual([`${RUN}.jsonl`]);
  });
});
