/** exprag brief on a store of a few hundred runs: held under its budget, and saying what matters. */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "../seeded-random";
import { cleanEnv, EXPRAG, exprag, runFiles, tempDir, waitFor } from "./harness";
import { writeRun } from "./synthetic-store";

const estimate = (text: string) => Math.ceil(text.length / 4);

async function ok(cwd: string, args: string[]) {
  const result = await exprag(args, { cwd });
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

describe("exprag brief", () => {
  test("a few hundred runs and one running: under budget, with the best run, the last outcomes and what runs now", async () => {
    const cwd = tempDir();
    const store = join(cwd, ".exprag");
    const random = seededRandom(7);
    const t0 = Date.now() - 24 * 3600_000;
    const ids: string[] = [];
    for (let i = 0; i < 300; i++)
      ids.push(
        writeRun(store, t0 + i * 60_000, {
          params: { lr: 0.001 * (1 + (i % 7)), seed: i },
          values: [1, 0.5 + random() * 0.5],
          why: `idea ${i}`,
          from: ids[i - 1],
        }),
      );
    const best = writeRun(store, t0 + 300 * 60_000, { params: { lr: 0.0042 }, values: [0.9, 0.123], why: "warmup 100 steps", from: ids[299] });
    const lost = writeRun(store, t0 + 301 * 60_000, { params: { lr: 0.1 }, values: [0.8], why: "a much higher lr", from: best });
    // Its last value beats every other, but a run that failed is nothing to build on: never the best.
    const failed = writeRun(store, t0 + 302 * 60_000, {
      status: "failed",
      values: [0.01],
      error: "RuntimeError: CUDA out of memory",
      why: "batch 4096",
      from: best,
    });
    writeFileSync(join(cwd, ".exprag.toml"), '[goal]\nmetric = "val"\ndirection = "min"\n');
    await ok(cwd, ["keep", best, "--because", "best val so far"]);
    await ok(cwd, ["discard", lost, "--because", "diverged after 2k steps"]);
    await ok(cwd, ["note", "--project", "untried: cosine schedule"]);

    const stop = join(tempDir(), "stop");
    const running = Bun.spawn(
      [EXPRAG, "run", "-q", "--why", "longer training", "--from", "kept", "--", "sh", "-c", `while [ ! -e ${stop} ]; do sleep 0.05; done`],
      {
        cwd,
        env: cleanEnv(),
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
      },
    );
    try {
      await waitFor(
        () => runFiles(store).length === 304 && runFiles(store).some((file) => readFileSync(file, "utf8").includes("longer training")),
        "the live run's file",
      );
      const text = (await ok(cwd, ["brief"])).text;
      const lines = text.trimEnd().split("\n");
      expect(estimate(text)).toBeLessThanOrEqual(800);
      expect(lines[0]).toBe("goal: val (lower is better)");
      expect(lines[1]).toBe("runs: 304 tried, 1 kept, 1 discarded, 1 failed, 1 running, 300 waiting for a decision");
      expect(lines[2]).toBe(`best: ${best.slice(-8)} train val=0.123, kept; why: warmup 100 steps`);
      expect(lines[3]).toBe(`  changed from ${ids[299]!.slice(-8)}: lr 0.006->0.0042, seed 299->null`);
      expect(lines).toContain(`  ${failed.slice(-8)} failed: RuntimeError: CUDA out of memory val=0.01; why: batch 4096; from ${best.slice(-8)}`);
      expect(lines).toContain(`  ${lost.slice(-8)} discarded (diverged after 2k steps) val=0.8; why: a much higher lr; from ${best.slice(-8)}`);
      expect(lines.some((line) => /^running: [0-9a-f]{8} sh for \d+ min; why: longer training$/.test(line))).toBe(true);
      expect(lines).toContain(`project note ${JSON.parse((await ok(cwd, ["note", "--project", "--json"])).text).notes[0].id}: untried: cosine schedule`);
      expect(lines.at(-1)).toContain("more: exprag ls");

      const brief = JSON.parse((await ok(cwd, ["brief", "--json"])).text);
      expect(brief.lines).toEqual(lines);
      expect(brief.tokens).toBeLessThanOrEqual(800);
      expect(brief.best).toMatchObject({
        short_id: best.slice(-8),
        value: 0.123,
        decision: "keep",
        lineage: [
          best.slice(-8),
          ...ids
            .slice(-7)
            .reverse()
            .map((id) => id.slice(-8)),
        ],
      });
      expect(brief.running).toHaveLength(1);
      expect(brief.running[0].from).toBe(best.slice(-8));
      expect(brief.counts.waiting).toBe(300);

      // A small budget keeps whole lines, the most informative ones, and says what it left out.
      for (const budget of [60, 120, 200, 400]) {
        const small = (await ok(cwd, ["brief", "--budget", String(budget)])).text;
        expect(estimate(small)).toBeLessThanOrEqual(budget);
        const smallLines = small.trimEnd().split("\n");
        for (const line of smallLines.slice(0, -1)) expect(lines).toContain(line);
        expect(smallLines[0]).toBe(lines[0]!);
        if (smallLines.length < lines.length) expect(smallLines.at(-1)).toContain(`exprag brief --budget ${budget * 2} shows more`);
        else expect(smallLines).toEqual(lines);
      }
      const tight = (await ok(cwd, ["brief", "--budget", "120"])).text;
      expect(tight).toContain(`best: ${best.slice(-8)}`);
      expect(tight).toContain("shows more");
      expect((await exprag(["brief", "--budget", "10"], { cwd })).exitCode).toBe(2);
    } finally {
      writeFileSync(stop, "");
      await running.exited;
    }
  }, 60_000);

  test("hostile text stays on its line and is escaped at a terminal's expense", async () => {
    const cwd = tempDir();
    writeRun(join(cwd, ".exprag"), Date.now() - 1000, { values: [1], why: "two\nlines \u001b[31mred" });
    const text = (await ok(cwd, ["brief", "--metric", "val"])).text;
    expect(text).not.toContain("\u001b");
    expect(text.split("\n").filter((line) => line.includes("two lines"))).toHaveLength(2);
  });

  test("the ten latest outcomes at most, and omitted counts only what the budget left out; a killed run reads killed", async () => {
    const cwd = tempDir();
    const t0 = Date.now() - 3600_000;
    const ids = Array.from({ length: 12 }, (_, i) => writeRun(join(cwd, ".exprag"), t0 + i * 1000, { values: [i], status: i === 11 ? "killed" : "ok" }));
    const brief = JSON.parse((await ok(cwd, ["brief", "--metric", "val", "--budget", "3000", "--json"])).text);
    expect(brief.recent).toHaveLength(10);
    expect(brief.omitted.recent).toBe(0);
    expect(brief.more).not.toContain("left out");
    expect(brief.lines).toContain(`  ${ids[11]!.slice(-8)} killed val=11`);
  });
});
