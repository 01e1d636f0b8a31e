/** --group-by on ls and best: one row per group with n, mean, std, min and max, ranked by mean. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { exprag, tempDir } from "./harness";
import { writeRun } from "./synthetic-store";

const T0 = Date.parse("2026-11-01T00:00:00Z");

function store() {
  const cwd = tempDir();
  const dir = join(cwd, ".exprag");
  let t = T0;
  const next = () => {
    t += 1000;
    return t;
  };
  for (const [optimizer, values] of [
    ["sgd", [0.5, 0.7, 0.6]],
    ["adam", [0.8, 0.9]],
  ] as const)
    for (const [seed, value] of values.entries()) writeRun(dir, next(), { params: { optimizer, seed }, values: [0.1, value], metric: "acc" });
  writeRun(dir, next(), { params: { optimizer: "adam", seed: 9 } });
  return cwd;
}

async function json(cwd: string, args: string[]) {
  const result = await exprag([...args, "--json"], { cwd });
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return JSON.parse(result.text);
}

describe("--group-by", () => {
  test("best groups by a param: the better optimizer on average comes first", async () => {
    const cwd = store();
    const grouping = await json(cwd, ["best", "acc", "--max", "--group-by", "params.optimizer"]);
    expect(grouping.by).toEqual(["params.optimizer"]);
    expect(grouping.value).toBe("last(acc)");
    expect(grouping.groups.map((g: { key: object }) => g.key)).toEqual([{ "params.optimizer": "adam" }, { "params.optimizer": "sgd" }]);
    const [adam, sgd] = grouping.groups;
    expect(adam).toMatchObject({ n: 2, min: 0.8, max: 0.9 });
    expect(adam.mean).toBeCloseTo(0.85, 12);
    expect(adam.std).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(adam.runs).toHaveLength(3);
    expect(sgd).toMatchObject({ n: 3, min: 0.5, max: 0.7 });
    expect(sgd.mean).toBeCloseTo(0.6, 12);
    expect(sgd.std).toBeCloseTo(0.1, 12);
    const lowest = await json(cwd, ["best", "acc", "--min", "--agg", "min", "--group-by", "params.optimizer"]);
    expect(lowest.value).toBe("min(acc)");
    for (const group of lowest.groups) expect(group.mean).toBeCloseTo(0.1, 12);
  });

  test("ls groups by several keys, with --sort's operand or the goal metric, else only counts", async () => {
    const cwd = store();
    const counted = await json(cwd, ["ls", "--group-by", "params.optimizer,code"]);
    expect(counted.value).toBeNull();
    expect(counted.groups.map((g: { key: object; n: number }) => [g.key, g.n])).toEqual([
      [{ "params.optimizer": "adam", code: "aaaaaaaa" }, 3],
      [{ "params.optimizer": "sgd", code: "aaaaaaaa" }, 3],
    ]);
    const sorted = await json(cwd, ["ls", "--group-by", "params.optimizer", "--sort", "acc", "--desc"]);
    expect(sorted.groups.map((g: { key: Record<string, string> }) => g.key["params.optimizer"])).toEqual(["adam", "sgd"]);
    // --sort takes a field by its column's name as ls without --group-by does.
    const byDuration = await json(cwd, ["ls", "--group-by", "params.optimizer", "--sort", "duration"]);
    expect(byDuration.value).toBe("duration_ms");
    writeFileSync(join(cwd, ".exprag.toml"), '[goal]\nmetric = "acc"\ndirection = "min"\n');
    const byGoal = await json(cwd, ["ls", "--group-by", "params.optimizer"]);
    expect(byGoal.value).toBe("acc");
    expect(byGoal.groups.map((g: { key: Record<string, string> }) => g.key["params.optimizer"])).toEqual(["sgd", "adam"]);
    const tsv = await exprag(["ls", "--group-by", "params.optimizer"], { cwd });
    expect(tsv.text.split("\n")[0]).toBe("params.optimizer\tn\tmean acc\tstd\tmin\tmax\truns");
    const bad = await exprag(["ls", "--group-by", "params.optimizer,"], { cwd });
    expect(bad.exitCode).toBe(2);
    expect((await json(cwd, ["best", "--group-by", "params.optimizer"])).value).toBe("last(acc)");
  });
});
