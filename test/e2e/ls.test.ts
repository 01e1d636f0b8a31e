import { describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, EXPRAG, exprag, runFiles, tempDir, waitFor } from "./harness";

describe("exprag ls", () => {
  test("limits the list and says so on stderr", async () => {
    const cwd = tempDir();
    for (const name of ["a", "b", "c"]) await exprag(["run", "--name", name, "--", "true"], { cwd });
    const result = await exprag(["ls", "--limit", "2", "--json"], { cwd });
    expect(JSON.parse(result.text).map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["c", "b"]);
    expect(result.stderr).toContain("showing 2 of 3 runs");
    expect((await exprag(["ls", "--limit", "0"], { cwd })).exitCode).toBe(2);
  });

  test("a file in runs/ that is not a run file is skipped with a warning", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "true"], { cwd });
    mkdirSync(join(cwd, ".exprag", "runs"), { recursive: true });
    const runs = join(cwd, ".exprag", "runs");
    writeFileSync(join(runs, "01900000-0000-7000-8000-00000000000a.jsonl"), "null\n");
    writeFileSync(join(runs, "01900000-0000-7000-8000-00000000000b.jsonl"), '{"kind": "run_start", "run_id": 5}\n');
    mkdirSync(join(runs, "01900000-0000-7000-8000-00000000000c.jsonl"));
    symlinkSync("/nonexistent", join(runs, "01900000-0000-7000-8000-00000000000d.jsonl"));
    writeFileSync(join(runs, "zzz-notes.jsonl"), '{"not": "a run"}\n');
    const result = await exprag(["ls", "--json"], { cwd });
    expect(result.exitCode).toBe(0);
    // b's run_start names no run of its own: it is the run its file name says, with a warning.
    expect(JSON.parse(result.text).map((r: { run_id: string }) => r.run_id)).toEqual([expect.any(String), "01900000-0000-7000-8000-00000000000b"]);
    expect(result.stderr).toContain("00000000000a.jsonl:1: no run_start record");
    expect(result.stderr).toContain("00000000000b.jsonl: its records name run 5; it is run 01900000-0000-7000-8000-00000000000b, as its file name says");
    expect(result.stderr).toContain("00000000000d.jsonl: cannot be read (ENOENT)");
    expect(result.stderr).not.toContain("zzz-notes");
    const paths = await exprag(["paths", "--json"], { cwd });
    expect([paths.exitCode, paths.text]).toEqual([0, "[]\n"]);
    // The readable runs have no x: a path none of them has is a usage error, not an empty ranking.
    const best = await exprag(["best", "x", "--max", "--json"], { cwd });
    expect([best.exitCode, best.text]).toEqual([2, ""]);
    expect(best.stderr).toContain("none of the 2 selected runs has x");
    const show = await exprag(["show", "latest~1", "--json"], { cwd });
    expect(show.exitCode).toBe(1);
    expect(show.stderr).toContain("00000000000d.jsonl is not a readable run file");
  });

  test("an empty or missing store is an empty list", async () => {
    const cwd = tempDir();
    const result = await exprag(["ls", "--json"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe("[]\n");
  });

  test("a live run's last line, still being written, is no torn line to warn of", async () => {
    const cwd = tempDir();
    const live = Bun.spawn([EXPRAG, "run", "--", "sh", "-c", "echo 'EXPRAG::{\"step\": 1}'; exec sleep 60"], {
      cwd,
      env: cleanEnv(),
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      await waitFor(
        () => runFiles(join(cwd, ".exprag")).length === 1 && readFileSync(runFiles(join(cwd, ".exprag"))[0]!, "utf8").includes('"kind":"track"'),
        "the live run's step",
      );
      // Half of a batch the writer is in the middle of: the rest of the line is still to come.
      appendFileSync(runFiles(join(cwd, ".exprag"))[0]!, '{"kind": "track", "val');
      for (const args of [
        ["ls", "--json"],
        ["show", "latest", "--json"],
        ["values", "step", "--json"],
        ["ls", "--where", "max(step) > 0"],
      ]) {
        const result = await exprag(args, { cwd });
        expect(result.exitCode).toBe(0);
        expect(result.stderr).not.toContain("not a JSON record");
      }
      expect(JSON.parse((await exprag(["ls", "--json"], { cwd })).text)[0].status).toBe("running");
    } finally {
      live.kill();
      await live.exited;
    }
  });

  test("skips a torn line with a warning naming file and line; a run without run_end is crashed", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "true"], { cwd });
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    appendFileSync(file, '{"kind": "track", "val');
    const result = await exprag(["ls", "--json"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`${file}:3: skipped a line that is not a JSON record`);
    const crashed = join(cwd, ".exprag", "runs", "01900000-0000-7000-8000-000000000001.jsonl");
    const start = {
      kind: "run_start",
      run_id: "01900000-0000-7000-8000-000000000001",
      experiment_name: "gone",
      created_at: "2024-06-01T00:00:00.000Z",
      value: { process: { started: { host: "elsewhere-but-same", pid: 999999999, boot_id: null, start_ticks: 1 } } },
    };
    start.value.process.started.host = (await import("node:os")).hostname();
    writeFileSync(crashed, `${JSON.stringify(start)}\n`);
    const runs = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    expect(runs.find((r: { experiment_name: string }) => r.experiment_name === "gone").status).toBe("crashed");
  });

  test("a garbage line is warned of by the questions that read a path, though it lacks the path's key", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "sh", "-c", `echo 'EXPRAG::{"step":0,"acc":0.1}'; echo 'EXPRAG::{"step":1,"acc":0.2}'`], { cwd });
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    const lines = readFileSync(file, "utf8").split("\n");
    writeFileSync(file, [...lines.slice(0, 2), "garbage-not-json", ...lines.slice(2)].join("\n"));
    for (const command of [["values", "acc", "latest"], ["plot", "acc"], ["show", "latest"], ["paths"]]) {
      const result = await exprag(command, { cwd });
      expect({ command, warned: result.stderr.includes(`${file}:3: skipped a line that is not a JSON record`) }).toEqual({ command, warned: true });
    }
    expect(JSON.parse((await exprag(["values", "acc", "latest", "--json"], { cwd })).text).map((point: { value: number }) => point.value)).toEqual([0.1, 0.2]);
  });
});
