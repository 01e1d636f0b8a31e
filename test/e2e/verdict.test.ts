/** exprag verdict on synthetic runs whose truth is known: equal means, a clear gain, a gain inside the noise. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "../seeded-random";
import { exprag, tempDir } from "./harness";
import { normal, writeRun } from "./synthetic-store";

const T0 = Date.parse("2026-11-01T00:00:00Z");

/** A store with configuration A (lr 0.1) and B (lr 0.2), `n` seeds each, values mean + sd * noise. */
function store(options: { meanA: number; meanB: number; sd: number; n: number; seed: number }) {
  const cwd = tempDir();
  const dir = join(cwd, ".exprag");
  const random = seededRandom(options.seed);
  const ids: { a: string[]; b: string[] } = { a: [], b: [] };
  let t = T0;
  const next = () => {
    t += 1000;
    return t;
  };
  for (let seed = 0; seed < options.n; seed++) {
    ids.a.push(writeRun(dir, next(), { params: { lr: 0.1, seed }, values: [options.meanA + options.sd * normal(random)] }));
    ids.b.push(writeRun(dir, next(), { params: { lr: 0.2, seed }, values: [options.meanB + options.sd * normal(random)] }));
  }
  return { cwd, ids };
}

async function verdict(cwd: string, a: string, b: string, ...more: string[]) {
  const result = await exprag(["verdict", a, b, "--metric", "val", "--max", "--json", ...more], { cwd });
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return JSON.parse(result.text);
}

describe("exprag verdict", () => {
  test("a clear gain is better one way and worse the other, measured against both sides' replicates", async () => {
    const { cwd, ids } = store({ meanA: 1.0, meanB: 0.5, sd: 0.05, n: 4, seed: 1 });
    const answer = await verdict(cwd, ids.a[0]!, ids.b[0]!);
    expect(answer.verdict).toBe("better");
    expect(answer.a.replicates.n).toBe(4);
    expect(answer.b.replicates.n).toBe(4);
    expect(answer.noise.source).toBe("replicates");
    expect(answer.difference).toBeCloseTo(0.5, 1);
    expect(answer.differs.params).toEqual({ lr: [0.1, 0.2] });
    expect((await verdict(cwd, ids.a[0]!, ids.b[1]!)).differs.params).toEqual({ lr: [0.1, 0.2], seed: [0, 1] });
    expect(answer.differs.same_code).toBe(true);
    expect((await verdict(cwd, ids.b[1]!, ids.a[2]!)).verdict).toBe("worse");
    // Lower is better: the same numbers turn the verdict round.
    const lower = await exprag(["verdict", ids.a[0]!, ids.b[0]!, "--metric", "val", "--min", "--json"], { cwd });
    expect(JSON.parse(lower.text).verdict).toBe("worse");
  });

  test("values near the largest double are not comparable, not a confident verdict; no noise reads as such", async () => {
    const cwd = tempDir();
    const dir = join(cwd, ".exprag");
    const a = [
      writeRun(dir, T0 + 1000, { params: { lr: 0.1, seed: 1 }, values: [1.7e308] }),
      writeRun(dir, T0 + 2000, { params: { lr: 0.1, seed: 2 }, values: [1.7e308] }),
    ];
    const b = [
      writeRun(dir, T0 + 3000, { params: { lr: 0.2, seed: 1 }, values: [1.7e308] }),
      writeRun(dir, T0 + 4000, { params: { lr: 0.2, seed: 2 }, values: [-1.7e308] }),
    ];
    const answer = await verdict(cwd, a[0]!, b[0]!);
    expect(answer).toMatchObject({
      verdict: "not-comparable",
      noise: null,
      reason: "the values are too large to compare: their difference or their noise is not a finite number",
    });
    // Replicates that agree exactly: a difference with no noise at all, said plainly.
    const still = tempDir();
    const quiet = join(still, ".exprag");
    const [qa] = [
      writeRun(quiet, T0 + 1000, { params: { lr: 0.1, seed: 1 }, values: [0.5] }),
      writeRun(quiet, T0 + 2000, { params: { lr: 0.1, seed: 2 }, values: [0.5] }),
    ];
    const [qb] = [
      writeRun(quiet, T0 + 3000, { params: { lr: 0.2, seed: 1 }, values: [0.25] }),
      writeRun(quiet, T0 + 4000, { params: { lr: 0.2, seed: 2 }, values: [0.25] }),
    ];
    const exact = await verdict(still, qa!, qb!);
    expect(exact.verdict).toBe("better");
    expect(exact.reason).toStartWith("A is better than B: the means differ, with no noise at all, beyond");
    // JSON has no infinity: t is written as the store writes one, never as a number that reads as no difference.
    expect(exact.noise.t).toBe("Infinity");
    expect((await verdict(still, qb!, qa!)).noise.t).toBe("-Infinity");
  });

  test("equal means are within noise, for many seeds of the noise", async () => {
    const verdicts: string[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const { cwd, ids } = store({ meanA: 1.0, meanB: 1.0, sd: 0.1, n: 5, seed });
      verdicts.push((await verdict(cwd, ids.a[0]!, ids.b[0]!)).verdict);
    }
    // At 5%, a false alarm in 8 tries is possible but these seeds give none.
    expect(verdicts).toEqual(Array(8).fill("within-noise"));
  }, 60_000);

  test("a gain smaller than the noise is within noise", async () => {
    const { cwd, ids } = store({ meanA: 1.02, meanB: 1.0, sd: 0.2, n: 3, seed: 3 });
    const answer = await verdict(cwd, ids.a[0]!, ids.b[0]!);
    expect(answer.verdict).toBe("within-noise");
    expect(Math.abs(answer.noise.t)).toBeLessThan(answer.noise.threshold);
    expect(answer.reason).toContain("Welch");
  });

  test("single runs: noise from other configurations' replicates, else unknown with the command that settles it", async () => {
    const cwd = tempDir();
    const dir = join(cwd, ".exprag");
    const a = writeRun(dir, T0 + 1000, { params: { lr: 0.1 }, values: [0.9] });
    const b = writeRun(dir, T0 + 2000, { params: { lr: 0.2 }, values: [0.5] });
    const unknown = await verdict(cwd, a, b);
    expect(unknown.verdict).toBe("unknown-noise");
    expect(unknown.settle).toEqual([`exprag rerun ${a.slice(-8)} --seeds 3`, `exprag rerun ${b.slice(-8)} --seeds 3`]);
    expect(unknown.difference).toBeCloseTo(0.4, 10);
    // Replicates of a third configuration of the same experiment show a spread of 0.01.
    for (const [i, value] of [0.7, 0.71, 0.69, 0.7].entries()) writeRun(dir, T0 + 3000 + i, { params: { lr: 0.3, seed: i }, values: [value] });
    const measured = await verdict(cwd, a, b);
    expect(measured.verdict).toBe("better");
    expect(measured.noise.source).toBe("comparable-runs");
    expect(measured.noise.df).toBe(3);
    expect(measured.noise.std_error).toBeCloseTo(Math.sqrt(0.0002 / 3) * Math.sqrt(2), 10);
  });

  test("a run without the metric is not comparable; the config's goal and seed params are used", async () => {
    const cwd = tempDir();
    const dir = join(cwd, ".exprag");
    const a = writeRun(dir, T0 + 1000, { params: { lr: 0.1 }, values: [0.9], metric: "loss" });
    const b = writeRun(dir, T0 + 2000, { params: { lr: 0.2 } });
    const answer = JSON.parse((await exprag(["verdict", a, b, "--metric", "loss", "--min", "--json"], { cwd })).text);
    expect(answer.verdict).toBe("not-comparable");
    expect(answer.reason).toBe(`${b.slice(-8)} never reported loss as a finite number`);
    const missing = await exprag(["verdict", a, b], { cwd });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("verdict needs a metric");

    for (const [i, value] of [0.5, 0.52, 0.48].entries()) writeRun(dir, T0 + 3000 + i, { params: { lr: 0.1, trial: i }, values: [value], metric: "loss" });
    writeFileSync(join(cwd, ".exprag.toml"), 'seed-params = ["trial"]\n\n[goal]\nmetric = "loss"\ndirection = "min"\n');
    const c = writeRun(dir, T0 + 4000, { params: { lr: 0.1, trial: 9 }, values: [0.1], metric: "loss" });
    const fromConfig = JSON.parse((await exprag(["verdict", c, a, "--json"], { cwd })).text);
    expect(fromConfig.metric).toBe("loss");
    expect(fromConfig.direction).toBe("min");
    // c, a and the three trials are replicates of one configuration (trial is its seed).
    expect(fromConfig.a.replicates.n).toBe(5);
    expect(fromConfig.difference).toBe(0);
    expect(fromConfig.verdict).toBe("within-noise");
  });

  test("words of the command that are no params make another configuration; only the seed may differ", async () => {
    const cwd = tempDir();
    const dir = join(cwd, ".exprag");
    // ./t.sh 0.5 and ./t.sh 0.9: no params, yet not replicates of each other.
    const low = writeRun(dir, T0 + 1000, { argv: ["./t.sh", "0.5"], values: [0.5] });
    const high = writeRun(dir, T0 + 2000, { argv: ["./t.sh", "0.9"], values: [0.9] });
    const apart = await verdict(cwd, high, low);
    expect(apart.verdict).toBe("unknown-noise");
    expect([apart.a.replicates.n, apart.b.replicates.n]).toEqual([1, 1]);
    // Seeds given in each form the command line takes are blanked; everything else counts.
    const seeded = [
      writeRun(dir, T0 + 3000, { argv: ["./t.sh", "0.9", "--seed", "1"], params: { seed: 1 }, values: [0.91] }),
      writeRun(dir, T0 + 4000, { argv: ["./t.sh", "0.9", "--seed=2"], params: { seed: 2 }, values: [0.89] }),
      writeRun(dir, T0 + 5000, { argv: ["./t.sh", "0.9", "seed=3"], params: { seed: 3 }, values: [0.9] }),
    ];
    expect((await verdict(cwd, seeded[0]!, low)).a.replicates.n).toBe(1);
    const same = [
      writeRun(dir, T0 + 6000, { argv: ["./t.sh", "0.9", "--seed", "4"], params: { seed: 4 }, values: [0.9] }),
      writeRun(dir, T0 + 7000, { argv: ["./t.sh", "0.9", "--seed", "5"], params: { seed: 5 }, values: [0.92] }),
    ];
    const pooled = await verdict(cwd, same[0]!, low);
    expect(pooled.a.replicates.runs.sort()).toEqual([seeded[0]!, same[0]!, same[1]!].map((id) => id.slice(-8)).sort());
    // A seed given as a short option, which the script's parser reported as seed: its value is blanked where it stands.
    const short = [
      writeRun(dir, T0 + 8000, { argv: ["./t.sh", "0.7", "-s", "1", "--epochs", "1"], params: { seed: 1, epochs: 1 }, values: [0.7] }),
      writeRun(dir, T0 + 9000, { argv: ["./t.sh", "0.7", "-s", "2", "--epochs", "1"], params: { seed: 2, epochs: 1 }, values: [0.71] }),
    ];
    expect((await verdict(cwd, short[0]!, low)).a.replicates.n).toBe(2);
    // Two replicates of one configuration: said so, not a difference measured to two decimals.
    const twins = await verdict(cwd, same[0]!, same[1]!);
    expect(twins.verdict).toBe("within-noise");
    expect(twins.reason).toBe(
      "A and B are replicates of one configuration (the same experiment, code, command and params but for the seed): they differ only by noise",
    );
  });

  test("a run that did not end ok is not comparable; one run twice and a path no run has are usage errors", async () => {
    const cwd = tempDir();
    const dir = join(cwd, ".exprag");
    const ok = writeRun(dir, T0 + 1000, { params: { lr: 0.1 }, values: [0.5] });
    const failed = writeRun(dir, T0 + 2000, { params: { lr: 0.2 }, values: [0.99], status: "failed", error: "exit 3" });
    const answer = await verdict(cwd, failed, ok);
    expect(answer).toMatchObject({ verdict: "not-comparable", reason: `${failed.slice(-8)} did not end ok (failed)`, settle: [] });
    const twice = await exprag(["verdict", ok, ok, "--metric", "val", "--max"], { cwd });
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toContain(`are the same run, ${ok.slice(-8)}`);
    const typo = await exprag(["verdict", ok, failed, "--metric", "vla", "--max"], { cwd });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("did you mean val?");
  });
});
