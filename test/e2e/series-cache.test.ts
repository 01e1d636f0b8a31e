/**
 * The series cache through the binary: the same answers (stdout and stderr) with and without it,
 * a store whose cache cannot be written, rm taking a run's entry, push and pull never carrying it.
 */
import { describe, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clonedProject, git, runIn } from "./git-harness";
import { exprag, tempDir } from "./harness";
import { writeRun } from "./synthetic-store";

const QUESTIONS = [
  ["ls", "--all", "--json", "--where", "max(val) > 0.5"],
  ["ls", "--all", "--json", "--where", "mean(val) < 0.6 or count(val) = 0"],
  ["ls", "--all", "--json", "--sort", "mean(val)", "--columns", "first(val),last(val),min(val),max(val),mean(val),count(val)"],
  ["ls", "--all", "--where", "min(val) >= 0.1", "--columns", "mean(val)"],
  ["best", "val", "--max", "--agg", "mean", "--json"],
  // A filter that drops the run with a line that is no record: neither read warns of it.
  ["ls", "--all", "--name", "train", "--where", "max(val) > 0"],
];

function makeStore(): { store: string; ids: string[] } {
  const store = join(tempDir(), "store");
  mkdirSync(join(store, "runs"), { recursive: true });
  const series = [[0.1, 0.2, 0.3], [0.7, 0.9, 0.4], [0.5], [], [0.1, 1e16, 1, -1e16, 0.3], [0.6, 0.6000000000000001]];
  const ids = series.map((values, i) => writeRun(store, Date.UTC(2026, 0, 1) + i * 60_000, { values }));
  // Another experiment's run with a line in the middle that is not a JSON record.
  const other = writeRun(store, Date.UTC(2026, 0, 2), { name: "other", values: [0.2, 0.8] });
  const file = join(store, "runs", `${other}.jsonl`);
  const lines = readFileSync(file, "utf8").split("\n");
  writeFileSync(file, [...lines.slice(0, 2), "not a record", ...lines.slice(2)].join("\n"));
  ids.push(other);
  return { store, ids };
}

async function ask(store: string, args: string[]) {
  const result = await exprag([...args, "--dir", store], { cwd: store });
  expect(result.exitCode).toBe(0);
  return { stdout: result.stdout, stderr: result.stderr };
}

const cacheFiles = (store: string) => (existsSync(join(store, "cache", "series")) ? readdirSync(join(store, "cache", "series")).sort() : []);

describe("exprag with the series cache", () => {
  test("every question answers the same, byte for byte, cold and warm; nothing is said of the cache", async () => {
    const { store } = makeStore();
    for (const question of QUESTIONS) {
      rmSync(join(store, "cache"), { recursive: true, force: true });
      const cold = await ask(store, question);
      expect(cacheFiles(store).length).toBeGreaterThan(0);
      const warm = await ask(store, question);
      // stderr too: a ranking's own warnings, the skipped line's where it is read, and not a word about the cache.
      expect(warm).toEqual(cold);
      if (!question.includes("--name")) expect(cold.stderr).toContain("not a JSON record");
      expect(warm.stderr).not.toContain("cache");
    }
  }, 60_000);

  test("a run a filter drops is not warned of from the cache, as its file is not read", async () => {
    const { store } = makeStore();
    const filtered = ["ls", "--all", "--name", "train", "--where", "max(val) > 0"];
    const cold = await ask(store, filtered);
    // Another question caches every run, the one with the line that is no record too.
    expect((await ask(store, ["ls", "--all", "--where", "max(val) > 0"])).stderr).toContain("not a JSON record");
    expect(await ask(store, filtered)).toEqual(cold);
    expect(cold.stderr).not.toContain("not a JSON record");
  }, 60_000);

  test.skipIf(process.getuid?.() !== 0)(
    "a question asked of another user's store (here as root) writes no cache into it",
    async () => {
      const { store } = makeStore();
      const answer = await ask(store, QUESTIONS[0]!);
      rmSync(join(store, "cache"), { recursive: true, force: true });
      chownSync(store, 65534, 65534);
      expect(await ask(store, QUESTIONS[0]!)).toEqual(answer);
      expect(existsSync(join(store, "cache"))).toBe(false);
    },
    60_000,
  );

  test("a cache folder that cannot be made: the same answers, nothing more said", async () => {
    const { store } = makeStore();
    const answers = [];
    for (const question of QUESTIONS) answers.push(await ask(store, question));
    rmSync(join(store, "cache"), { recursive: true, force: true });
    writeFileSync(join(store, "cache"), "not a folder");
    for (const [i, question] of QUESTIONS.entries()) expect(await ask(store, question)).toEqual(answers[i]!);
    expect(readFileSync(join(store, "cache"), "utf8")).toBe("not a folder");
  }, 60_000);

  test("rm takes the run's entry with it, and the store still takes runs", async () => {
    const { store, ids } = makeStore();
    await ask(store, QUESTIONS[0]!);
    const [gone] = ids;
    const shard = join(store, "cache", "series", `${gone!.slice(-1)}.json`);
    expect(readFileSync(shard, "utf8")).toContain(gone!);
    const removed = await exprag(["rm", gone!, "--yes", "--dir", store], { cwd: store });
    expect(removed.exitCode).toBe(0);
    expect(existsSync(shard) ? readFileSync(shard, "utf8") : "").not.toContain(gone!);
    // The store still takes new runs with its cache beside runs/.
    expect((await exprag(["run", "--dir", store, "--", "true"], { cwd: store })).exitCode).toBe(0);
  }, 60_000);

  test("gc deletes the entries of runs whose file is gone", async () => {
    const { a } = clonedProject();
    expect((await runIn(a, ["run", "--", "sh", "-c", `echo 'EXPRAG::{"acc":0.5}'`])).exitCode).toBe(0);
    expect((await runIn(a, ["ls", "--where", "max(acc) > 0"])).exitCode).toBe(0);
    const store = join(a, ".exprag");
    const [file] = readdirSync(join(store, "runs")).filter((name) => name.endsWith(".jsonl"));
    rmSync(join(store, "runs", file!));
    const dry = JSON.parse((await runIn(a, ["gc", "--dry-run", "--json"])).text);
    expect(dry.cache_entries_deleted).toBe(1);
    expect(cacheFiles(store).length).toBe(1);
    // What a process that died between writing and renaming left: removed once it is an hour old.
    const stale = join(store, "cache", "series", "0.json.123.ab12.tmp");
    const fresh = join(store, "cache", "series", "1.json.124.cd34.tmp");
    writeFileSync(stale, "{");
    writeFileSync(fresh, "{");
    utimesSync(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    const done = JSON.parse((await runIn(a, ["gc", "--json"])).text);
    expect(done.cache_entries_deleted).toBe(1);
    expect(cacheFiles(store)).toEqual(["1.json.124.cd34.tmp"]);
  }, 60_000);

  test("push and pull never carry the cache", async () => {
    const { a, b, bare } = clonedProject();
    expect((await runIn(a, ["run", "--", "sh", "-c", `echo 'EXPRAG::{"acc":0.5}'`])).exitCode).toBe(0);
    expect((await runIn(a, ["ls", "--where", "max(acc) > 0"])).exitCode).toBe(0);
    expect(cacheFiles(join(a, ".exprag")).length).toBe(1);
    expect((await runIn(a, ["push"])).exitCode).toBe(0);
    const refs = git(bare, "for-each-ref", "--format=%(refname)")
      .split("\n")
      .filter((ref) => ref.startsWith("refs/exprag/"));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(git(bare, "ls-tree", "-r", "--name-only", ref)).not.toContain("cache");
    expect((await runIn(b, ["pull"])).exitCode).toBe(0);
    expect(existsSync(join(b, ".exprag", "cache"))).toBe(false);
  }, 60_000);
});
