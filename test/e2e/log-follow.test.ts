import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, EXPRAG, exprag, runFiles, shell, shellWaitFor, tempDir, waitFor } from "./harness";

describe("exprag log --follow", () => {
  test("streams a live run's output as it comes, and ends by itself when the run ends", async () => {
    const cwd = tempDir();
    const go = join(cwd, "go");
    const script = `echo first; ${shellWaitFor(go)}; echo second; printf 'no newline'`;
    await using run = Bun.spawn([EXPRAG, "run", "--name", "live", "--", "sh", "-c", script], { cwd, env: cleanEnv(), stdout: "ignore", stderr: "ignore" });
    const log = () => {
      const file = runFiles(join(cwd, ".exprag"))[0]?.replace(/\.jsonl$/, ".log");
      return file && existsSync(file) ? readFileSync(file, "utf8") : "";
    };
    await waitFor(() => log() === "first\n", "the run's first line");
    await using follow = Bun.spawn([EXPRAG, "log", "latest", "--follow"], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
    const reader = follow.stdout.getReader();
    let seen = "";
    while (!seen.includes("first\n")) seen += Buffer.from((await reader.read()).value!).toString();
    expect(seen).toBe("first\n");
    writeFileSync(go, "");
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) seen += Buffer.from(chunk.value).toString();
    expect(await follow.exited).toBe(0);
    expect(seen).toBe("first\nsecond\nno newline");
    expect(await new Response(follow.stderr).text()).toBe("");
    expect(await run.exited).toBe(0);
  });

  test("a run that has ended is written whole at once; --tail starts from its last lines", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "sh", "-c", "echo a; echo b; echo c"], { cwd });
    const all = await exprag(["log", "latest", "-f"], { cwd, timeoutMs: 30_000 });
    expect({ code: all.exitCode, text: all.text }).toEqual({ code: 0, text: "a\nb\nc\n" });
    const tail = await exprag(["log", "latest", "--follow", "--tail", "1"], { cwd, timeoutMs: 30_000 });
    expect(tail.text).toBe("c\n");
  });

  test("a reader that goes away ends it quietly, as a killed writer (141)", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "sh", "-c", "seq 1 200000"], { cwd });
    const result = await shell('{ exprag log latest --follow; echo "exit $?" >&2; } | head -1', { cwd });
    expect(result.text).toBe("1\n");
    expect(result.stderr).toBe("exit 141\n");
  });

  test("a run without a log whose file cannot be read (a FIFO in its place) is still answered: no log, exit 1, nothing waited for", async () => {
    const cwd = tempDir();
    await exprag(["run", "-q", "--no-log", "--", "true"], { cwd });
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    const runId = file
      .split("/")
      .at(-1)!
      .replace(/\.jsonl$/, "");
    rmSync(file);
    expect(Bun.spawnSync(["mkfifo", file]).exitCode).toBe(0);
    for (const args of [
      ["log", runId],
      ["log", runId, "--follow"],
    ]) {
      const result = await exprag(args, { cwd, timeoutMs: 20_000 });
      expect(result.exitCode).toBe(1);
      // The log is not there, and nothing can say why: the run file that would is not a run's.
      expect(result.stderr.toString()).toBe(
        `exprag: error: run ${runId.slice(-8)} has no output log, and ${file} is not a readable run file (not a regular file)\n`,
      );
    }
  }, 60_000);

  test("a run whose exprag died (crashed) ends the follow too", async () => {
    const cwd = tempDir();
    const runs = join(cwd, ".exprag", "runs");
    mkdirSync(runs, { recursive: true });
    const id = "01900000-0000-7000-8000-0000000000cc";
    const start = {
      kind: "run_start",
      run_id: id,
      experiment_name: "gone",
      created_at: "2024-06-01T00:00:00.000Z",
      value: { process: { started: { host: (await import("node:os")).hostname(), pid: 999999999, boot_id: null, start_ticks: 1 } } },
    };
    writeFileSync(join(runs, `${id}.jsonl`), `${JSON.stringify(start)}\n`);
    writeFileSync(join(runs, `${id}.log`), "partial output\n");
    const result = await exprag(["log", "latest", "--follow"], { cwd, timeoutMs: 30_000 });
    expect({ code: result.exitCode, text: result.text }).toEqual({ code: 0, text: "partial output\n" });
  });

  test("a log replaced at its path (a pull's longer copy renamed over it) is followed on in the new file", async () => {
    const cwd = tempDir();
    const go = join(cwd, "go");
    await using run = Bun.spawn([EXPRAG, "run", "--", "sh", "-c", `echo first; ${shellWaitFor(go)}`], {
      cwd,
      env: cleanEnv(),
      stdout: "ignore",
      stderr: "ignore",
    });
    const file = () => runFiles(join(cwd, ".exprag"))[0]?.replace(/\.jsonl$/, ".log") ?? "";
    await waitFor(() => existsSync(file()) && readFileSync(file(), "utf8") === "first\n", "the run's first line");
    await using follow = Bun.spawn([EXPRAG, "log", "latest", "--follow"], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
    const reader = follow.stdout.getReader();
    let seen = "";
    while (!seen.includes("first\n")) seen += Buffer.from((await reader.read()).value!).toString();
    writeFileSync(`${file()}.new`, "first\nfrom the new file\n");
    renameSync(`${file()}.new`, file());
    while (!seen.includes("new file\n")) seen += Buffer.from((await reader.read()).value!).toString();
    writeFileSync(go, "");
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) seen += Buffer.from(chunk.value).toString();
    expect(await follow.exited).toBe(0);
    expect(seen).toBe("first\nfrom the new file\n");
    expect(await run.exited).toBe(0);
  }, 60_000);
});
