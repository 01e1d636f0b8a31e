/**
 * One run selection for every command, over a store of real runs: params read from the command
 * line, metadata from --meta and $meta, last and aggregated metrics, run fields, tags and notes.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXPRAG, exprag, readRecords, runFiles, shellWaitFor, tempDir, waitFor, writtenRecords } from "./harness";

const cwd = tempDir();
const store = join(cwd, ".exprag");
const ids: Record<string, string> = {};
const short = (name: string) => ids[name]!.replace(/-/g, "").slice(-8);
const q = (...args: string[]) => exprag(args, { cwd });
const json = async (...args: string[]) => {
  const result = await q(...args, "--json");
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.text);
};
const names = (runs: { experiment_name: string }[]) => runs.map((r) => r.experiment_name);

/** A training script in sh: reads --lr and --batch-size, reports a rising accuracy, and NaN when asked. */
const TRAIN = `#!/bin/sh
lr=0; bs=0; nan=0
while [ $# -gt 0 ]; do
  case "$1" in --lr) lr=$2; shift;; --batch-size) bs=$2; shift;; --nan) nan=1;; esac; shift
done
echo "EXPRAG::{\\"\\$meta\\": {\\"seed\\": 7}}"
for step in 0 1 2; do
  acc=$(awk "BEGIN { print 0.5 + $step * $lr * 1.5 }")
  if [ $nan = 1 ] && [ $step = 2 ]; then acc=NaN; fi
  echo "EXPRAG::{\\"step\\": $step, \\"metrics\\": {\\"acc\\": $acc, \\"loss\\": $(awk "BEGIN { print 1 - $step * 0.1 }")}}"
done
`;

async function train(name: string, ...args: string[]): Promise<void> {
  const result = await q("run", "--name", name, "--meta", `owner=${name.startsWith("sweep") ? "bob" : "ann"}`, "--", "./train.sh", ...args);
  if (result.exitCode !== 0 && name !== "broken") throw new Error(result.stderr);
  ids[name] = readRecords(runFiles(store).at(-1)!)[0]!.run_id;
}

beforeAll(async () => {
  writeFileSync(join(cwd, "train.sh"), TRAIN);
  chmodSync(join(cwd, "train.sh"), 0o755);
  await train("sweep-a", "--lr", "0.1", "--batch-size", "32");
  await train("sweep-b", "--lr", "0.03", "--batch-size", "64");
  await train("sweep-c", "--lr", "0.2", "--batch-size", "32");
  await train("diverged", "--lr", "0.2", "--batch-size", "64", "--nan");
  await train("baseline", "--lr", "0.01", "--batch-size", "32");
  await q("run", "--name", "broken", "--", "sh", "-c", "exit 3");
  ids.broken = readRecords(runFiles(store).at(-1)!)[0]!.run_id;
  await q("tag", short("sweep-a"), "sweep:1", "best");
  await q("tag", short("sweep-b"), "sweep:1");
  await q("tag", short("sweep-c"), "sweep:1", "best");
  await q("tag", short("sweep-c"), "--remove", "best");
  await q("note", short("sweep-a"), "lr 0.1 with batch 32 wins");
}, 60_000);

describe("params from the command line", () => {
  test("a script's long options become typed params, dashes as underscores", async () => {
    const run = (await json("ls", short("sweep-b"), "--all")).find((r: { run_id: string }) => r.run_id === ids["sweep-b"]);
    expect(run.params).toEqual({ lr: 0.03, batch_size: 64 });
    const nan = (await json("show", short("diverged"))).params ?? (await json("ls", "--name", "diverged"))[0].params;
    expect(nan).toEqual({ lr: 0.2, batch_size: 64, nan: true });
  });

  test("--no-params records none", async () => {
    const other = tempDir();
    await exprag(["run", "--no-params", "--", "sh", "-c", "true", "--lr", "1"], { cwd: other });
    const [run] = JSON.parse((await exprag(["ls", "--json"], { cwd: other })).text);
    expect(run.params).toEqual({});
  });
});

describe("--where", () => {
  test.each([
    ["params.lr < 0.1", ["baseline", "sweep-b"]],
    ["params.batch_size = 32", ["baseline", "sweep-c", "sweep-a"]],
    ["batch_size = 32 and lr >= 0.1", ["sweep-c", "sweep-a"]],
    ["meta.owner = bob", ["sweep-c", "sweep-b", "sweep-a"]],
    ["meta.seed = 7 and owner = ann", ["baseline", "diverged"]],
    ["metrics.acc > 0.75", ["sweep-c", "sweep-a"]],
    ["value.metrics.acc > 0.75", ["sweep-c", "sweep-a"]],
    ["max(metrics.acc) > 0.75", ["diverged", "sweep-c", "sweep-a"]],
    ["count(metrics.acc) = 3 and min(metrics.loss) < 0.85", ["baseline", "diverged", "sweep-c", "sweep-b", "sweep-a"]],
    ["status = failed", ["broken"]],
    ["status in [failed, crashed] or exit_code != 0", ["broken"]],
    ["name ~ 'sweep-*' and not tags ~ best", ["sweep-c", "sweep-b"]],
    ["tags ~ 'sweep:*'", ["sweep-c", "sweep-b", "sweep-a"]],
    ["diverged", ["diverged"]],
    ["not diverged and params.lr = 0.2", ["sweep-c"]],
    ["metrics.acc != 0.5", ["baseline", "sweep-c", "sweep-b", "sweep-a"]],
    ["params.nan != true", []],
    ["0.75 < metrics.acc", ["sweep-c", "sweep-a"]],
    // Outside git a run has no commit: a run field held as null is null, not missing.
    ["commit = null and status = failed", ["broken"]],
    ["why = null and status = failed", ["broken"]],
  ])("%p", async (where, expected) => {
    expect(names(await json("ls", "--where", where))).toEqual(expected);
  });

  test("ls --json --where is written once each path was seen in some run; a path no run has prints nothing", async () => {
    // Only the older `diverged` has params.nan, and `or` never reaches it for a run that is ok.
    const okRuns = ["baseline", "diverged", "sweep-c", "sweep-b", "sweep-a"];
    expect(names(await json("ls", "--where", "status = ok or params.nan = true"))).toEqual(okRuns);
    expect(names(await json("ls", "--where", "status = ok or params.nan = true", "--limit", "1"))).toEqual(["baseline"]);
    const typo = await q("ls", "--json", "--where", "status = ok or params.nope = 1");
    expect([typo.exitCode, typo.text]).toEqual([2, ""]);
    expect(typo.stderr).toContain("--where: none of the 6 selected runs has params.nope");
  });

  test("several --where all hold; a malformed one is a usage error naming the column", async () => {
    expect(names(await json("ls", "--where", "params.lr >= 0.1", "--where", "params.batch_size = 64"))).toEqual(["diverged"]);
    const bad = await q("ls", "--where", "params.lr <");
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("--where: column 12: expected a value after '<'");
  });

  test("a --where nested deeper than any person writes is a usage error too, not a crash", async () => {
    for (const deep of [`${"(".repeat(10_000)}x = 1${")".repeat(10_000)}`, `${"not ".repeat(10_000)}x = 1`]) {
      const result = await q("ls", "--where", deep);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain("more than 100 'not' and '(' nested");
      expect(result.stderr).not.toContain("RangeError");
    }
    expect((await q("ls", "--where", `${"(".repeat(50)}status = ok${")".repeat(50)}`)).exitCode).toBe(0);
  });
});

describe("the selection on every command", () => {
  test("ls: name globs, status lists, tags, since/until, limit", async () => {
    expect(names(await json("ls", "--name", "SWEEP-*"))).toEqual(["sweep-c", "sweep-b", "sweep-a"]);
    expect(names(await json("ls", "--status", "failed,ok", "--name", "*b*"))).toEqual(["broken", "baseline", "sweep-b"]);
    expect(names(await json("ls", "--status", "failed", "--name", "*b*"))).toEqual(["broken"]);
    expect(names(await json("ls", "--tag", "sweep:1", "--tag", "best"))).toEqual(["sweep-a"]);
    expect(names(await json("ls", "--since", "1h", "--until", "2000-01-01"))).toEqual([]);
    expect(await json("ls", "--since", "1h", "--limit", "2")).toHaveLength(2);
    expect((await q("ls", "--status", "exploded")).exitCode).toBe(2);
  });

  test("best ranks only the selected runs, and shows the params that differ", async () => {
    const ranked = await json("best", "metrics.acc", "--max", "--tag", "sweep:1");
    expect(ranked.map((r: { experiment_name: string; value: number }) => [r.experiment_name, r.value])).toEqual([
      ["sweep-c", 1.1],
      ["sweep-a", 0.8],
      ["sweep-b", 0.59],
    ]);
    expect(ranked[0].params).toEqual({ lr: 0.2, batch_size: 32 });
    const table = (await q("best", "metrics.acc", "--max", "--tag", "sweep:1")).text.split("\n")[0]!.split("\t");
    expect(table).toEqual(["rank", "run", "name", "last(metrics.acc)", "params.batch_size", "params.lr", "started", "status", "commit"]);
    expect(names(await json("best", "metrics.acc", "--max", "--status", "ok", "--since", "2w"))).not.toContain("broken");
  });

  test("compare takes a selection instead of ids", async () => {
    const result = await json("compare", "--where", "params.batch_size = 32");
    expect(result.runs.map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["baseline", "sweep-c", "sweep-a"]);
    expect(result.metadata).toEqual({ owner: ["ann", "bob", "bob"] });
    expect((await q("compare", "--name", "nothing-like-this")).exitCode).toBe(1);
  });

  test("values and paths take it too", async () => {
    const points = await json("values", "metrics.acc", "--where", "params.lr = 0.03");
    expect(points.map((p: { value: number }) => p.value)).toEqual([0.5, 0.545, 0.59]);
    const last = await json("values", "metrics.acc", "--tag", "sweep:1", "--last", "1");
    expect(last.map((p: { short_id: string; value: number }) => [p.short_id, p.value])).toEqual([
      [short("sweep-a"), 0.8],
      [short("sweep-b"), 0.59],
      [short("sweep-c"), 1.1],
    ]);
    const paths = await json("paths", "--name", "sweep-a");
    expect(paths.map((p: { path: string; source: string }) => [p.path, p.source])).toEqual([
      ["metrics.acc", "tracked"],
      ["metrics.loss", "tracked"],
      ["step", "tracked"],
      ["params.batch_size", "params"],
      ["params.lr", "params"],
      ["meta.owner", "meta"],
      ["meta.seed", "meta"],
    ]);
  });

  test("rm takes a selection, and asks for --yes as always", async () => {
    const other = tempDir();
    for (const name of ["keep", "drop-1", "drop-2"]) await exprag(["run", "--name", name, "--", "true"], { cwd: other });
    expect((await exprag(["rm", "--name", "drop-*"], { cwd: other })).exitCode).toBe(2);
    const removed = await exprag(["rm", "--name", "drop-*", "--yes"], { cwd: other });
    expect(removed.text.trim().split("\n")).toHaveLength(2);
    expect(JSON.parse((await exprag(["ls", "--json"], { cwd: other })).text).map((r: { experiment_name: string }) => r.experiment_name)).toEqual(["keep"]);
    expect((await exprag(["rm", "--yes"], { cwd: other })).exitCode).toBe(2);
  });
});

describe("the run table", () => {
  test("ls shows the params and metadata that differ, not those the same everywhere", async () => {
    const header = (await q("ls", "--tag", "sweep:1")).text.split("\n")[0]!.split("\t");
    expect(header).toEqual([
      "id",
      "name",
      "started",
      "duration",
      "status",
      "exit",
      "commit",
      "code",
      "records",
      "tags",
      "notes",
      "params.batch_size",
      "params.lr",
      "metrics",
    ]);
  });

  test("--columns picks columns, operands and aggregates included; --sort orders by any of them", async () => {
    const rows = (await q("ls", "--tag", "sweep:1", "--columns", "name,params.lr,max(metrics.acc),tags", "--sort", "max(metrics.acc)", "--desc")).text;
    expect(rows).toBe(`name\tparams.lr\tmax(metrics.acc)\ttags\nsweep-c\t0.2\t1.1\tsweep:1\nsweep-a\t0.1\t0.8\tsweep:1,best\nsweep-b\t0.03\t0.59\tsweep:1\n`);
    const sorted = await json("ls", "--sort", "params.lr", "--where", "params.lr > 0");
    expect(sorted.map((r: { params: { lr: number } }) => r.params.lr)).toEqual([0.01, 0.03, 0.1, 0.2, 0.2]);
    expect((await q("ls", "--sort", "max(")).exitCode).toBe(2);
    // A parameter asked of a command that ranks tracked values: said as such, not as a typo.
    for (const args of [
      ["best", "params.lr"],
      ["values", "params.lr", "--name", "sweep-a"],
    ]) {
      const result = await q(...args);
      expect({ args, code: result.exitCode, stderr: result.stderr }).toEqual({
        args,
        code: 2,
        stderr:
          "exprag: error: params.lr is a run's parameter, not a value it tracked (best, values and plot read tracked values); ls shows and orders runs by it: exprag ls --columns params.lr --sort params.lr\n",
      });
    }
    // Names an object has by inheritance are paths like any other, not the sort's own field names.
    for (const name of ["constructor", "__proto__", "toString"]) {
      const result = await q("ls", "--sort", name);
      expect({ name, code: result.exitCode, stderr: result.stderr }).toEqual({
        name,
        code: 2,
        stderr: expect.stringContaining(`--sort: none of the`) as unknown as string,
      });
      expect(result.stderr).toContain(`has ${name}; see exprag paths`);
    }
  });

  test("ls --json carries params, merged metadata, tags and the last metrics whole", async () => {
    const [run] = await json("ls", "--name", "sweep-a");
    expect(run).toMatchObject({
      params: { lr: 0.1, batch_size: 32 },
      metadata: { owner: "bob", seed: 7 },
      tags: ["sweep:1", "best"],
      metrics: { "metrics.acc": 0.8, "metrics.loss": 0.8 },
    });
  });
});

describe("tags and notes", () => {
  test("show lists tags and notes with their time and author", async () => {
    const run = await json("show", short("sweep-a"));
    expect(run.tags).toEqual(["sweep:1", "best"]);
    const note = run.notes.find((n: { kind: string }) => n.kind === "annotation");
    expect(note).toMatchObject({ note: "lr 0.1 with batch 32 wins", author: { kind: "user" } });
    expect(Date.parse(note.created_at)).toBeGreaterThan(Date.now() - 3600_000);
    const agent = await exprag(["note", short("sweep-b"), "checked by an agent"], { cwd, env: { CLAUDECODE: "1" } });
    expect(agent.exitCode).toBe(0);
    expect((await json("show", short("sweep-b"))).notes.at(-1)).toMatchObject({ note: "checked by an agent", author: { kind: "agent", name: "claude-code" } });
  });

  test("a bad tag or an empty note is a usage error", async () => {
    expect((await q("tag", short("sweep-a"), "two words")).exitCode).toBe(2);
    expect((await q("note", short("sweep-a"), "   ")).exitCode).toBe(2);
  });

  test("tags and notes can be written while the run is still being written, and its records stay whole", async () => {
    const other = tempDir();
    const gate = join(other, "go");
    const script = `i=0; while [ $i -lt 200 ]; do echo "EXPRAG::{\\"i\\": $i}"; i=$((i+1)); done; echo ready; ${shellWaitFor(gate)}; echo "EXPRAG::{\\"i\\": 200}"`;
    const live = Bun.spawn([EXPRAG, "run", "--name", "live", "--", "sh", "-c", script], { cwd: other, stdout: "pipe", stderr: "ignore" });
    const reader = live.stdout.getReader();
    let seen = "";
    while (!seen.includes("ready")) seen += Buffer.from((await reader.read()).value!).toString();
    const file = () => runFiles(join(other, ".exprag"))[0]!;
    await waitFor(() => writtenRecords(file()).length >= 201, "the live run's records");
    expect((await exprag(["tag", "latest", "live-tag"], { cwd: other })).exitCode).toBe(0);
    expect((await exprag(["note", "latest", "noted while running"], { cwd: other })).exitCode).toBe(0);
    writeFileSync(gate, "");
    expect(await live.exited).toBe(0);
    const records = readRecords(file());
    expect(records.filter((r) => r.kind === "track").map((r) => r.value.i)).toEqual([...Array(201).keys()]);
    expect(records.at(-1)!.kind).toBe("run_end");
    const [run] = JSON.parse((await exprag(["ls", "--json", "--tag", "live-tag"], { cwd: other })).text);
    expect(run).toMatchObject({ experiment_name: "live", status: "ok", tags: ["live-tag"] });
  });
});
