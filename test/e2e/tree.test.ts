/** exprag tree: the lineage of runs as a tree, in text and nested JSON. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { exprag, recordLine, tempDir } from "./harness";
import { syntheticId, writeRun } from "./synthetic-store";

const T0 = Date.parse("2026-11-01T00:00:00Z");
const short = (id: string) => id.slice(-8);

async function ok(cwd: string, args: string[]) {
  const result = await exprag(args, { cwd });
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

describe("exprag tree", () => {
  test("branches indent, a chain stays in one column; each run with its decision, metric and change", async () => {
    const cwd = tempDir();
    const dir = join(cwd, ".exprag");
    const root = writeRun(dir, T0 + 1000, { params: { lr: 0.1 }, values: [1], why: "baseline" });
    const a = writeRun(dir, T0 + 2000, { params: { lr: 0.01 }, values: [0.8], from: root });
    const b = writeRun(dir, T0 + 3000, { params: { lr: 0.001 }, values: [0.9], from: root, tree: "b".repeat(40) });
    const c = writeRun(dir, T0 + 4000, { params: { lr: 0.01, wd: 0.1 }, values: [0.7], from: a });
    const lone = writeRun(dir, T0 + 5000, { values: [2] });
    writeFileSync(join(cwd, ".exprag.toml"), '[goal]\nmetric = "val"\ndirection = "min"\n');
    await ok(cwd, ["keep", root]);
    await ok(cwd, ["discard", b, "--because", "worse"]);

    const text = (await ok(cwd, ["tree"])).text;
    expect(text).toBe(
      [
        `${short(root)}  train  keep  val=1  why: baseline`,
        `├ ${short(a)}  train  undecided  val=0.8  [lr 0.1->0.01]`,
        `  ↳ ${short(c)}  train  undecided  val=0.7  [wd null->0.1]`,
        `└ ${short(b)}  train  discard  val=0.9  [lr 0.1->0.001, code]`,
        `${short(lone)}  train  undecided  val=2`,
        "",
      ].join("\n"),
    );
    const tree = JSON.parse((await ok(cwd, ["tree", "--json"])).text);
    expect(tree.count).toBe(5);
    expect(tree.goal).toEqual({ metric: "val", direction: "min" });
    expect(tree.roots.map((node: { short_id: string }) => node.short_id)).toEqual([short(root), short(lone)]);
    const [first] = tree.roots;
    expect(first.children.map((node: { short_id: string }) => node.short_id)).toEqual([short(a), short(b)]);
    expect(first.children[0].children[0]).toMatchObject({ run_id: c, value: 0.7, changed: { params: { wd: [null, 0.1] }, same_code: true }, children: [] });
    expect(first.children[1]).toMatchObject({ decision: "discard", changed: { same_code: false } });

    // A selection cuts the tree: a run whose parent is left out is a root.
    const cut = JSON.parse((await ok(cwd, ["tree", a, c, "--json"])).text);
    expect(cut.roots.map((node: { short_id: string }) => node.short_id)).toEqual([short(a)]);
    expect(cut.roots[0].changed).toBeNull();
  });

  test("a cycle of from links in a hand-made store still shows every run once", async () => {
    const cwd = tempDir();
    const dir = join(cwd, ".exprag");
    const [x, y] = [syntheticId(T0 + 1000), syntheticId(T0 + 2000)];
    const start = (from: string) => ({ git: null, process: { argv: ["t"] }, metadata: {}, params: {}, from });
    const end = { status: "ok", exit_code: 0, signal: null, counts: { track: 0, meta: 0, note: 0, parse_error: 0 } };
    writeRun(dir, T0, {});
    writeFileSync(join(dir, "runs", `${x}.jsonl`), recordLine(x, "run_start", start(y)) + recordLine(x, "run_end", end));
    writeFileSync(join(dir, "runs", `${y}.jsonl`), recordLine(y, "run_start", start(x)) + recordLine(y, "run_end", end));
    const tree = JSON.parse((await ok(cwd, ["tree", "--json"])).text);
    expect(tree.count).toBe(3);
    const ids = (await ok(cwd, ["tree"])).text.match(/[0-9a-f]{8}(?= {2})/g);
    expect(ids).toHaveLength(3);
    expect(ids).toContain(short(x));
    expect(ids).toContain(short(y));
  });
});
