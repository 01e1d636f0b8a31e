import { beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, EXPRAG, exprag, readRecords, runFiles, tempDir, waitFor, writtenRecords } from "./harness";
import { atTerminal, hasPty } from "./terminal";

/**
 * One store, built with real `exprag run` invocations: two good runs, a diverged one (NaN), a
 * failed one, one that never reports the metric, an unfinished one (exprag killed), and a run
 * file written by a later exprag with fields this one does not know, with one torn line.
 */
const cwd = tempDir();
const store = join(cwd, ".exprag");
const ids: Record<string, string> = {};
const short = (name: string) => ids[name]!.replace(/-/g, "").slice(-8);
const q = (...args: string[]) => exprag(args, { cwd });
const json = async (...args: string[]) => {
  const result = await q(...args, "--json");
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.text);
};

const emit = (...values: unknown[]) => values.map((v) => `printf '%s\\n' 'EXPRAG::${JSON.stringify(v)}'`).join("; ");
const FUTURE_ID = "0190a000-0000-7000-8000-00000000f00d";
const FUTURE_COMMIT = "abc1230000000000000000000000000000000000";

async function record(name: string, args: string[], script: string) {
  const result = await q("run", "--name", name, ...args, "--", "sh", "-c", script);
  ids[name] = readRecords(runFiles(store).at(-1)!)[0]!.run_id;
  return result;
}

beforeAll(async () => {
  await record(
    "baseline",
    ["--meta", "hparams.bs=32"],
    emit(
      { $meta: { hparams: { lr: 0.1 } } },
      { step: 0, metrics: { loss: 1.0, acc: 0.5 } },
      { step: 1, metrics: { loss: 0.8, acc: 0.6 }, $note: "warm-up done" },
      { step: 2, metrics: { loss: 0.6, acc: 0.7 } },
    ),
  );
  await record(
    "tuned",
    ["--meta", "hparams.bs=64"],
    `${emit(
      { $meta: { hparams: { lr: 0.03 } } },
      { step: 0, metrics: { loss: 0.9, acc: 0.6 } },
      { step: 1, metrics: { loss: 0.5, acc: 0.8 } },
      { step: 2, metrics: { loss: 0.3, acc: 0.9 } },
    )}; echo tuned-output; echo tuned-error >&2`,
  );
  await record(
    "diverged",
    [],
    `python3 -c 'import json; print("EXPRAG::" + json.dumps({"step": 0, "metrics": {"loss": 0.5, "acc": 0.7}})); print("EXPRAG::" + json.dumps({"step": 1, "metrics": {"loss": float("inf"), "acc": float("nan")}}))'`,
  );
  await record("failed", [], `${emit({ step: 0, metrics: { loss: 0.2, acc: 0.95 } })}; exit 3`);
  await record("no-metric", ["--no-log"], emit({ other: 1 }));
  // Unfinished: exprag is killed outright while its command runs.
  const proc = Bun.spawn([EXPRAG, "run", "--name", "unfinished", "--", "sh", "-c", `${emit({ step: 0, metrics: { acc: 0.1 } })}; echo ready $$; sleep 30`], {
    cwd,
    env: cleanEnv(),
    stdout: "pipe",
    stderr: "ignore",
  });
  const reader = proc.stdout.getReader();
  let seen = "";
  while (!seen.includes("\n")) seen += Buffer.from((await reader.read()).value!).toString();
  // Its output can pass through before the batch's records are written: wait for the record.
  await waitFor(() => writtenRecords(runFiles(store).at(-1)!).length === 2, "the unfinished run's record");
  proc.kill("SIGKILL");
  await proc.exited;
  process.kill(Number(seen.trim().split(" ")[1]), "SIGTERM");
  ids.unfinished = readRecords(runFiles(store).at(-1)!)[0]!.run_id;
  // A later exprag: extra fields everywhere, and a torn line in the middle.
  const base = { schema_version: 1, exprag_version: "9.9.9", run_id: FUTURE_ID, experiment_name: "future", future_field: { x: 1 } };
  const lines = [
    {
      ...base,
      kind: "run_start",
      value: { git: { commit: FUTURE_COMMIT, head: FUTURE_COMMIT, snapshot_ref: null, dirty: false, brand_new: true }, metadata: { hparams: { lr: 0.5 } } },
      created_at: "2024-07-01T00:00:00.000Z",
      elapsed_ms: 0,
    },
    {
      ...base,
      kind: "track",
      value: { step: 0, metrics: { acc: 0.99, loss: 0.05 } },
      created_at: "2024-07-01T00:00:01.000Z",
      elapsed_ms: 1000,
      note: "from the future",
    },
  ];
  const end = {
    ...base,
    kind: "run_end",
    value: { status: "ok", exit_code: 0, signal: null, duration_ms: 2000, counts: { track: 1, meta: 0, note: 0, parse_error: 0, hologram: 0 } },
    created_at: "2024-07-01T00:00:02.000Z",
    elapsed_ms: 2000,
  };
  writeFileSync(
    join(store, "runs", `${FUTURE_ID}.jsonl`),
    `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"kind": "track", "val\n${JSON.stringify(end)}\n`,
  );
  ids.future = FUTURE_ID;
}, 60_000);

describe("exprag ls", () => {
  test("JSON: every run newest first, with status, commit, counts and last metrics", async () => {
    const runs = await json("ls");
    expect(runs.map((r: { experiment_name: string; status: string }) => [r.experiment_name, r.status])).toEqual([
      ["unfinished", "crashed"],
      ["no-metric", "ok"],
      ["failed", "failed"],
      ["diverged", "ok"],
      ["tuned", "ok"],
      ["baseline", "ok"],
      ["future", "ok"],
    ]);
    const tuned = runs.find((r: { experiment_name: string }) => r.experiment_name === "tuned");
    expect(tuned).toMatchObject({
      run_id: ids.tuned,
      short_id: short("tuned"),
      exit_code: 0,
      records: 4,
      metrics: { "metrics.loss": 0.3, "metrics.acc": 0.9 },
      commit: null,
    });
    expect(runs.find((r: { experiment_name: string }) => r.experiment_name === "diverged").metrics).toEqual({
      "metrics.loss": "Infinity",
      "metrics.acc": "NaN",
    });
    expect(runs.find((r: { experiment_name: string }) => r.experiment_name === "unfinished")).toMatchObject({ exit_code: null, duration_ms: null, records: 1 });
  });

  test("tab-separated through a pipe, a header and no truncation", async () => {
    const result = await q("ls");
    const rows = result.text
      .trimEnd()
      .split("\n")
      .map((line) => line.split("\t"));
    // The metadata leaves that differ among the listed runs get columns of their own.
    expect(rows[0]).toEqual([
      "id",
      "name",
      "started",
      "duration",
      "status",
      "exit",
      "commit",
      "code",
      "records",
      "meta.hparams.bs",
      "meta.hparams.lr",
      "metrics",
    ]);
    const tuned = rows.find((row) => row[1] === "tuned")!;
    expect([tuned[0], tuned[4], tuned[5], tuned[8], tuned[9], tuned[10], tuned[11]]).toEqual([
      short("tuned"),
      "ok",
      "0",
      "4",
      "64",
      "0.03",
      "metrics.loss=0.3 metrics.acc=0.9",
    ]);
    // ls reads a finished run's first line and tail only: the torn line in the middle is never read.
    expect(result.stderr).toBe("");
  });

  test.skipIf(!hasPty)("an aligned, coloured table at a terminal", async () => {
    const text = (await atTerminal([EXPRAG, "ls"], { cwd })).output;
    expect(text).toContain("\x1b[32mok");
    expect(text).toMatch(/id\s{2,}name\s{2,}started/);
  });

  test("filters by name, status and age, and says when a list is cut", async () => {
    expect((await json("ls", "--name", "TUNED")).map((r: { run_id: string }) => r.run_id)).toEqual([ids.tuned]);
    expect((await json("ls", "--status", "failed")).map((r: { run_id: string }) => r.run_id)).toEqual([ids.failed]);
    expect((await json("ls", "--since", "1h")).map((r: { experiment_name: string }) => r.experiment_name)).not.toContain("future");
    expect((await json("ls", "--since", "2024-06-30")).length).toBe(7);
    const cut = await q("ls", "--limit", "2", "--json");
    expect(JSON.parse(cut.text)).toHaveLength(2);
    expect(cut.stderr).toContain("showing 2 of 7 runs");
    expect((await q("ls", "--status", "exploded")).exitCode).toBe(2);
    expect((await q("ls", "--since", "yesterday-ish")).exitCode).toBe(2);
  });
});

describe("exprag best", () => {
  test("ranks by the last value, highest first; NaN last; runs without the metric apart", async () => {
    const result = await q("best", "metrics.acc", "--max", "--json");
    const ranked = JSON.parse(result.text);
    expect(ranked.map((r: { experiment_name: string; value: unknown }) => [r.experiment_name, r.value])).toEqual([
      ["future", 0.99],
      ["failed", 0.95],
      ["tuned", 0.9],
      ["baseline", 0.7],
      ["unfinished", 0.1],
      ["diverged", "NaN"],
    ]);
    expect(ranked[0]).toMatchObject({ rank: 1, agg: "last", short_id: short("future") });
    expect(result.stderr).toContain(`1 run never reported metrics.acc: ${short("no-metric")}`);
  });

  test("a loss ranks lowest first by default, and says so; --agg max, min, mean", async () => {
    const loss = await q("best", "value.metrics.loss", "--json");
    expect(loss.stderr).toContain("lowest first (--min)");
    expect(JSON.parse(loss.text).map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["future", "failed", "tuned", "baseline", "diverged"]);
    const mean = await json("best", "metrics.acc", "--max", "--agg", "mean", "--name", "*e*");
    expect(mean.map((r: { experiment_name: string; value: number }) => [r.experiment_name, Number(r.value.toFixed(4))])).toEqual([
      ["future", 0.99],
      ["failed", 0.95],
      ["tuned", 0.7667],
      ["diverged", 0.7],
      ["baseline", 0.6],
      ["unfinished", 0.1],
    ]);
    const maxOfLoss = await json("best", "metrics.loss", "--min", "--agg", "max");
    expect(maxOfLoss.find((r: { experiment_name: string }) => r.experiment_name === "diverged").value).toBe("Infinity");
    expect(maxOfLoss.at(-1).experiment_name).toBe("diverged");
    const minOfLoss = await json("best", "metrics.loss", "--min", "--agg", "min");
    expect(minOfLoss.find((r: { experiment_name: string }) => r.experiment_name === "diverged").value).toBe(0.5);
    expect((await q("best", "metrics.acc", "--max", "--min")).exitCode).toBe(2);
  });

  test("tab-separated output names the aggregate and the path", async () => {
    const rows = (await q("best", "metrics.acc", "--max", "--limit", "2")).text.trimEnd().split("\n");
    expect(rows[0]).toBe("rank\trun\tname\tlast(metrics.acc)\tstarted\tstatus\tcommit");
    expect(rows[1]!.split("\t").slice(0, 4)).toEqual(["1", short("future"), "future", "0.99"]);
    expect(rows).toHaveLength(3);
  });
});

describe("exprag values and paths", () => {
  test("values: the series oldest first (a history reads forward), with step, time and the file:line it came from", async () => {
    const points = await json("values", "metrics.acc", short("tuned"), "--all");
    const file = join(store, "runs", `${ids.tuned}.jsonl`);
    expect(points.map((p: { step: number; value: number; source: string }) => [p.step, p.value, p.source])).toEqual([
      [0, 0.6, `${file}:3`],
      [1, 0.8, `${file}:4`],
      [2, 0.9, `${file}:5`],
    ]);
    const line = readFileSync(file, "utf8").split("\n")[4]!;
    expect(JSON.parse(line).value.metrics.acc).toBe(0.9);
    // --last keeps each run's last points; --limit caps the whole answer at its newest points, and says so.
    expect((await json("values", "metrics.acc", short("tuned"), short("baseline"), "--last", "1")).map((p: { value: number }) => p.value)).toEqual([0.9, 0.7]);
    const capped = await q("values", "metrics.acc", short("tuned"), short("baseline"), "--limit", "2", "--json");
    expect(JSON.parse(capped.text).map((p: { value: number }) => p.value)).toEqual([0.6, 0.7]);
    expect(capped.stderr).toContain("showing the newest 2 of 6 points");
    expect(points[0]).toMatchObject({ run_id: ids.tuned, short_id: short("tuned") });
    expect(typeof points[0].elapsed_ms).toBe("number");
  });

  test("a key outside ASCII, written by Python as \\u escapes, is found", async () => {
    const other = tempDir();
    await exprag(["run", "--", "python3", "-c", 'import json; print("EXPRAG::" + json.dumps({"σ": 0.5}))'], { cwd: other });
    expect(JSON.parse((await exprag(["values", "σ", "--json"], { cwd: other })).text).map((p: { value: number }) => p.value)).toEqual([0.5]);
    expect(JSON.parse((await exprag(["best", "σ", "--max", "--json"], { cwd: other })).text)).toHaveLength(1);
  });

  test("values of several runs, NaN shown as such; latest by default", async () => {
    const points = await json("values", "metrics.acc", ids.diverged!, ids.baseline!);
    expect(points.map((p: { value: unknown }) => p.value)).toEqual([0.7, "NaN", 0.5, 0.6, 0.7]);
    const latest = await q("values", "metrics.acc");
    expect(latest.text.trimEnd().split("\n")[1]!.split("\t").slice(0, 2)).toEqual([short("unfinished"), "0"]);
    expect((await q("values", "metrics..acc")).exitCode).toBe(2);
  });

  test("paths: leaf paths with counts, types and examples; --numeric and --contains", async () => {
    const paths = await json("paths");
    const acc = paths.find((p: { path: string }) => p.path === "metrics.acc");
    expect(acc).toMatchObject({ count: 11, runs: 6, types: ["number"], numeric: true });
    expect(acc.examples).toHaveLength(3);
    expect((await json("paths", "--contains", "LOSS")).map((p: { path: string }) => p.path)).toEqual(["metrics.loss"]);
    expect((await json("paths", short("no-metric"))).map((p: { path: string }) => p.path)).toEqual(["other"]);
  });

  test("a key holding a dot is its own path, in backticks, that every command takes as paths shows it", async () => {
    const other = tempDir();
    const tracked = { step: 1, metrics: { "layer.0.norm": 1.5, layer: { "0": { norm: 9 } } } };
    expect((await exprag(["run", "--", "sh", "-c", emit(tracked)], { cwd: other })).exitCode).toBe(0);
    const inOther = async (...args: string[]) => {
      const result = await exprag([...args, "--json"], { cwd: other });
      expect(result.exitCode).toBe(0);
      return JSON.parse(result.text);
    };
    // Before, the two were one path counted twice, and the flat key could not be asked for.
    const paths = (await inOther("paths")).map((p: { path: string; count: number }) => [p.path, p.count]);
    expect(paths).toEqual([
      ["metrics.`layer.0.norm`", 1],
      ["metrics.layer.0.norm", 1],
      ["step", 1],
    ]);
    expect((await inOther("values", "metrics.`layer.0.norm`")).map((p: { value: number }) => p.value)).toEqual([1.5]);
    expect((await inOther("values", "metrics.layer.0.norm")).map((p: { value: number }) => p.value)).toEqual([9]);
    expect((await inOther("best", "metrics.`layer.0.norm`", "--max")).map((r: { value: number }) => r.value)).toEqual([1.5]);
    expect(await inOther("ls", "--where", "metrics.`layer.0.norm` < 2")).toHaveLength(1);
    expect(await inOther("ls", "--where", "metrics.layer.0.norm < 2")).toHaveLength(0);
    const [listed] = await inOther("ls", "--columns", "metrics.`layer.0.norm`,metrics.layer.0.norm");
    expect(listed.metrics).toMatchObject({ "metrics.`layer.0.norm`": 1.5, "metrics.layer.0.norm": 9 });
    // An aggregate or a condition where a path goes is named as such, with the path it holds.
    const aggregate = await exprag(["best", "max(metrics.step)"], { cwd: other });
    expect([aggregate.exitCode, aggregate.stderr.trimEnd()]).toEqual([
      2,
      "exprag: error: 'max(metrics.step)' is an aggregate, not a value path; name the path (metrics.step), and which way is better with --max or --min (best ranks by the max with --agg max)",
    ]);
    const aggregated = await exprag(["values", "max(metrics.step)"], { cwd: other });
    expect(aggregated.stderr).toStartWith("exprag: error: 'max(metrics.step)' is an aggregate, not a value path; name the path (metrics.step)");
    const condition = await exprag(["values", "step > 0"], { cwd: other });
    expect([condition.exitCode, condition.stderr.trimEnd()]).toEqual([
      2,
      "exprag: error: 'step > 0' is a condition, not a value path; name the path (step); a condition goes in --where",
    ]);
    const unclosed = await exprag(["values", "metrics.`layer.0.norm"], { cwd: other });
    expect([unclosed.exitCode, unclosed.stderr]).toEqual([2, expect.stringContaining("is not a value path")]);
  });

  test("odd keys: quoted as paths shows them, split right in --columns, and a path held the wrong way is named so", async () => {
    const other = tempDir();
    const tracked = { constructor: 1, m: { "lr,wd": 2, "sp ace": 1 }, acc: "0.95", meta: { k: 1 } };
    expect((await exprag(["run", "--", "sh", "-c", emit(tracked)], { cwd: other })).exitCode).toBe(0);
    const run = (...args: string[]) => exprag(args, { cwd: other });
    expect(JSON.parse((await run("paths", "--json")).text).map((p: { path: string }) => p.path)).toEqual([
      "acc",
      "constructor",
      "m.`lr,wd`",
      "m.`sp ace`",
      "meta.k",
    ]);
    // Before: a stack trace (exit 125) for a column named like an object's property, and the comma cut the key in two.
    expect((await run("ls", "--columns", "m.`lr,wd`,constructor")).text).toBe("m.`lr,wd`\tconstructor\n2\t1\n");
    expect((await run("ls", "--group-by", "m.`lr,wd`", "--json")).exitCode).toBe(0);
    expect(JSON.parse((await run("ls", "--where", "m.`sp ace` > 0", "--json")).text)[0].metrics).toEqual({
      constructor: 1,
      "m.`lr,wd`": 2,
      "m.`sp ace`": 1,
      "meta.k": 1,
    });
    // Before: "the selected run has no acc; did you mean acc?"
    const text = await run("best", "acc");
    expect([text.exitCode, text.stderr]).toEqual([
      2,
      "exprag: error: acc holds no number in the selected runs (string); exprag values acc shows what it holds\n",
    ]);
    const meta = await run("ls", "--where", "meta.k = 1");
    expect(meta.stderr).toBe(
      "exprag: error: --where: meta.k names the run's own meta, not the value tracked under that key; write value.meta.k for the tracked value\n",
    );
    expect(JSON.parse((await run("ls", "--where", "value.meta.k = 1", "--json")).text)).toHaveLength(1);
    // An aggregate in --where is one: a missing path inside is not called "an aggregate".
    expect((await run("ls", "--where", "count(metrics.nothing) = 0")).stderr).not.toContain("is an aggregate");
  });

  test("a path through a list shows and ranks by its last element in ls, --sort and best; --where holds for any element", async () => {
    const other = tempDir();
    for (const [name, losses] of [
      ["A", [0.5, 0.25]],
      ["B", [3, 0.1]],
    ] as const) {
      const tracked = { layers: losses.map((loss) => ({ loss })) };
      expect((await exprag(["run", "--name", name, "--", "sh", "-c", emit(tracked)], { cwd: other })).exitCode).toBe(0);
    }
    const run = async (...args: string[]) => JSON.parse((await exprag([...args, "--json"], { cwd: other })).text);
    // Before: ls read the first element (A 0.5, B 3) and --sort compared the lists as text.
    expect((await run("ls", "--sort", "layers[].loss")).map((r: { experiment_name: string; metrics: object }) => [r.experiment_name, r.metrics])).toEqual([
      ["B", { "layers[].loss": 0.1 }],
      ["A", { "layers[].loss": 0.25 }],
    ]);
    expect((await run("ls", "--where", "layers[].loss < 0.2")).map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["B"]);
    // B's first layer (3) holds, though its last (0.1) does not: as a stop rule reads it.
    expect((await run("ls", "--where", "layers[].loss > 2")).map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["B"]);
    expect((await run("ls", "--columns", "layers[].loss", "--sort", "layers[].loss", "--desc")).map((r: { columns: object }) => r.columns)).toEqual([
      { "layers[].loss": 0.25 },
      { "layers[].loss": 0.1 },
    ]);
    expect((await run("best", "layers[].loss", "--min")).map((r: { experiment_name: string; value: number }) => [r.experiment_name, r.value])).toEqual([
      ["B", 0.1],
      ["A", 0.25],
    ]);
  });

  test("NaN and the infinities: one max everywhere, and JSON carries them as the strings they are stored as", async () => {
    const other = tempDir();
    const script = 'import json\nfor v in (1.0, float("inf"), float("nan")): print("EXPRAG::" + json.dumps({"loss": v}))';
    expect((await exprag(["run", "--", "python3", "-c", script], { cwd: other })).exitCode).toBe(0);
    expect((await exprag(["run", "--", "sh", "-c", emit({ x: 1 }).replace('{"x":1}', '{"x":2e308}')], { cwd: other })).exitCode).toBe(0);
    const run = async (...args: string[]) => JSON.parse((await exprag([...args, "--json"], { cwd: other })).text);
    const [shown] = (await run("show", "latest~1")).metrics;
    // Before: show's max left the infinity out (1) while --where's counted it, and ls --json wrote null.
    expect(shown).toMatchObject({ path: "loss", count: 3, last: "NaN", min: 1, max: "Infinity", non_finite: 2 });
    const [listed] = await run("ls", "latest~1", "--columns", "loss,last(loss),max(loss),mean(loss)");
    expect(listed.columns).toEqual({ loss: "NaN", "last(loss)": "NaN", "max(loss)": "Infinity", "mean(loss)": 1 });
    expect(await run("ls", "--where", "max(loss) > 100")).toHaveLength(1);
    // A number past a double's range is stored as written and reads as infinite, not as a missing null.
    expect((await run("values", "x")).map((p: { value: unknown }) => p.value)).toEqual(["Infinity"]);
  });
});

describe("exprag show and compare", () => {
  test("show: status, command, metadata merged with $meta, notes, metric statistics", async () => {
    const run = await json("show", short("baseline"));
    expect(run).toMatchObject({
      run_id: ids.baseline,
      experiment_name: "baseline",
      status: "ok",
      exit_code: 0,
      metadata: { hparams: { bs: 32, lr: 0.1 } },
      notes: [{ kind: "track", note: "warm-up done", line: 4 }],
      counts: { track: 3, meta: 1 },
    });
    expect(run.command[0]).toBe("sh");
    expect(run.metrics.find((m: { path: string }) => m.path === "metrics.acc")).toEqual({
      path: "metrics.acc",
      count: 3,
      first: 0.5,
      last: 0.7,
      min: 0.5,
      max: 0.7,
      non_finite: 0,
    });
    const diverged = await json("show", short("diverged"));
    expect(diverged.metrics.find((m: { path: string }) => m.path === "metrics.acc")).toMatchObject({ last: "NaN", max: 0.7, non_finite: 1 });
  });

  test.skipIf(!hasPty)("show at a terminal draws a sparkline; through a pipe it is key<TAB>value", async () => {
    const tty = await atTerminal([EXPRAG, "show", short("tuned")], { cwd });
    expect(tty.output).toMatch(/[▁▂▃▄▅▆▇█]{3}/);
    const rows = (await q("show", short("tuned"))).text.split("\n");
    expect(rows[0]).toBe("key\tvalue");
    expect(rows).toContain("metadata.hparams.lr\t0.03");
    expect(rows).toContain("stats.metrics.acc.last\t0.9");
  });

  test("a run from a later exprag, with unknown fields and a torn line, still reads", async () => {
    const result = await q("show", short("future"), "--json");
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`${FUTURE_ID}.jsonl:3: skipped a line that is not a JSON record`);
    expect(JSON.parse(result.text)).toMatchObject({
      experiment_name: "future",
      commit: FUTURE_COMMIT,
      metrics: [{ path: "step" }, { path: "metrics.acc", last: 0.99 }, { path: "metrics.loss" }],
    });
  });

  test("compare: differing metadata, last metrics, status and the diff command", async () => {
    const result = await json("compare", short("baseline"), short("tuned"), short("failed"));
    expect(result.runs.map((r: { status: string }) => r.status)).toEqual(["ok", "ok", "failed"]);
    expect(result.metadata).toEqual({ "hparams.bs": [32, 64, null], "hparams.lr": [0.1, 0.03, null] });
    expect(result.metrics["metrics.acc"]).toEqual([0.7, 0.9, 0.95]);
    expect(result.code).toEqual([`exprag diff ${short("baseline")} ${short("tuned")}`, `exprag diff ${short("baseline")} ${short("failed")}`]);
    expect((await q("compare", short("baseline"))).exitCode).toBe(1);
    expect((await q("compare")).exitCode).toBe(2);
  });

  test("an ambiguous or unknown reference fails and names the candidates", async () => {
    const prefix = ids.baseline!.slice(0, 8);
    const ambiguous = await q("show", prefix);
    expect(ambiguous.exitCode).toBe(1);
    expect(ambiguous.stderr).toContain("matches");
    expect(ambiguous.stderr).toContain(ids.baseline!);
    expect((await q("show", "deadbeef")).stderr).toContain("no run matches 'deadbeef'");
  });
});

describe("exprag log and rm", () => {
  test("log prints the captured output; --tail the last lines; a run without a log says so", async () => {
    expect((await q("log", short("tuned"))).text).toBe("tuned-output\ntuned-error\n");
    expect((await q("log", short("tuned"), "--tail", "1")).text).toBe("tuned-error\n");
    const blank = tempDir();
    await exprag(["run", "--", "sh", "-c", "echo a; echo; echo b"], { cwd: blank });
    expect((await exprag(["log", "latest", "--tail", "2"], { cwd: blank })).text).toBe("\nb\n");
    const none = await q("log", short("no-metric"));
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("kept no output log");
  });

  test("rm needs --yes away from a terminal, then deletes the run file and log", async () => {
    const other = tempDir();
    await exprag(["run", "--", "echo", "x"], { cwd: other });
    const file = runFiles(join(other, ".exprag"))[0]!;
    const refused = await exprag(["rm", "latest"], { cwd: other });
    expect(refused.exitCode).toBe(2);
    expect(existsSync(file)).toBe(true);
    const removed = await exprag(["rm", "latest", "--yes"], { cwd: other });
    expect(removed.exitCode).toBe(0);
    expect(removed.text.trim()).toBe(file.split("/").at(-1)!.replace(".jsonl", ""));
    expect(existsSync(file)).toBe(false);
    expect(existsSync(file.replace(".jsonl", ".log"))).toBe(false);
  });

  test.skipIf(!hasPty)("rm asks at a terminal and deletes on yes", async () => {
    const other = tempDir();
    await exprag(["run", "--", "echo", "x"], { cwd: other });
    const file = runFiles(join(other, ".exprag"))[0]!;
    const declined = await atTerminal([EXPRAG, "rm", "latest"], { cwd: other, keys: [{ after: "[y/N]", text: "n\n" }] });
    expect(declined.output).toContain("[y/N]");
    expect(declined.exitCode).toBe(1);
    expect(existsSync(file)).toBe(true);
    const accepted = await atTerminal([EXPRAG, "rm", "latest"], { cwd: other, keys: [{ after: "[y/N]", text: "y\n" }] });
    expect(accepted.exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  test.skipIf(!hasPty)(
    "every query command answers at a terminal too, with its answer",
    async () => {
      const plainText = (text: string) => Bun.stripANSI(text);
      const cases: [string[], (text: string) => void][] = [
        [["ls"], (text) => expect(text).toMatch(new RegExp(`${short("tuned")}\\s+tuned\\s`))],
        [["show", short("tuned")], (text) => expect(text).toStartWith(`run ${short("tuned")}  tuned  ok (exit 0)`)],
        [["paths"], (text) => expect(text).toMatch(/metrics\.acc\s+tracked\s+11\s+6\s+number/)],
        [["values", "metrics.acc", short("tuned")], (text) => expect(text).toMatch(new RegExp(`^${short("tuned")}\\s+2\\s.*\\s0\\.9\\s`, "m"))],
        [["best", "metrics.acc", "--max"], (text) => expect(text).toMatch(new RegExp(`^\\s*1\\s+${short("future")}\\s+future\\s+0\\.99`, "m"))],
        [["compare", short("baseline"), short("tuned")], (text) => expect(text).toMatch(/last metrics\.acc\s+0\.7\s+0\.9/)],
        [["log", short("tuned")], (text) => expect(text).toContain("tuned-output\ntuned-error\n")],
      ];
      for (const [args, check] of cases) {
        const result = await atTerminal([EXPRAG, ...args], { cwd });
        expect({ args, code: result.exitCode }).toEqual({ args, code: 0 });
        check(plainText(result.output));
      }
    },
    120_000,
  );

  test("a run of the original exprag (no run_end, no process identity) is unknown, not running", async () => {
    const other = tempDir();
    const id = "01900000-0000-7000-8000-0000000000aa";
    const rec = (kind: string, value: unknown) =>
      JSON.stringify({
        schema_version: 1,
        exprag_version: "0.1.2",
        run_id: id,
        experiment_name: "python",
        kind,
        value,
        created_at: "2024-01-01T00:00:00.000Z",
        elapsed_ms: 0,
      });
    mkdirSync(join(other, "runs"), { recursive: true });
    writeFileSync(
      join(other, "runs", `${id}.jsonl`),
      `${rec("run_start", { metadata: {}, git: { commit: "abc", branch: "main", dirty: false } })}\n${rec("track", { acc: 0.9 })}\n`,
    );
    const runs = JSON.parse((await exprag(["ls", "--json", "--dir", other], { cwd: other })).text);
    expect(runs).toMatchObject([{ status: "unknown", records: 1, metrics: { acc: 0.9 } }]);
  });

  test("a missing store is an empty answer, not an error", async () => {
    const empty = tempDir();
    for (const args of [["ls"], ["best", "metrics.acc", "--max"], ["paths"]]) {
      const result = await exprag([...args, "--json"], { cwd: empty });
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.text)).toEqual([]);
    }
  });
});

test("10,000 runs arrive whole through a pipe", async () => {
  const big = tempDir();
  const runs = join(big, "runs");
  mkdirSync(runs, { recursive: true });
  for (let i = 0; i < 10_000; i++) {
    const id = `01900000-0000-7000-8000-${String(i).padStart(12, "0")}`;
    const rec = (kind: string, value: unknown) =>
      JSON.stringify({
        schema_version: 1,
        exprag_version: "0",
        run_id: id,
        experiment_name: `r${i}`,
        kind,
        value,
        created_at: "2024-06-01T00:00:00.000Z",
        elapsed_ms: 0,
      });
    writeFileSync(
      join(runs, `${id}.jsonl`),
      `${rec("run_start", {})}\n${rec("track", { acc: i })}\n${rec("run_end", { status: "ok", exit_code: 0, counts: { track: 1 } })}\n`,
    );
  }
  appendFileSync(join(runs, "01900000-0000-7000-8000-000000000000.jsonl"), "");
  const result = await exprag(["ls", "--all", "--json", "--dir", big], { cwd: big });
  expect(JSON.parse(result.text)).toHaveLength(10_000);
  const tsv = await exprag(["ls", "--all", "--dir", big], { cwd: big });
  expect(tsv.text.trimEnd().split("\n")).toHaveLength(10_001);
}, 60_000);
