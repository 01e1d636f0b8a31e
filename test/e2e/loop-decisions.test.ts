/**
 * The research loop as an agent drives it: hypotheses and lineage (run --why/--from, rerun),
 * decisions (keep, discard) with who, when and why, project notes, and all of it surviving a
 * live run, gc, and a push and pull.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, gitEnv, makeRepo, runIn, write } from "./git-harness";
import { cleanEnv, EXPRAG, runFiles, tempDir, waitFor } from "./harness";

const emit = (value: unknown) => `echo 'EXPRAG::${JSON.stringify(value)}'`;

async function json(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  const result = await runIn(cwd, [...args, "--json"], env);
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
  return JSON.parse(result.text);
}

async function ok(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  const result = await runIn(cwd, args, env);
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

const latest = async (cwd: string) => (await json(cwd, ["show", "latest"])) as { run_id: string; short_id: string; why: string | null; from: string | null };

describe("hypothesis and lineage", () => {
  test("run --why and --from are recorded, shown, listed and selectable; --from kept is the latest kept run", async () => {
    const repo = makeRepo();
    await ok(repo, ["run", "-q", "--why", "the baseline", "--", "sh", "-c", emit({ val: 1.0 })]);
    const base = await latest(repo);
    expect(base.why).toBe("the baseline");
    expect(base.from).toBeNull();

    const noKept = await runIn(repo, ["run", "--from", "kept", "--", "true"]);
    expect(noKept.exitCode).toBe(2);
    expect(noKept.stderr).toContain("--from kept: no run is kept yet");
    expect(runFiles(join(repo, ".exprag"))).toHaveLength(1);

    await ok(repo, ["keep", base.short_id]);
    await ok(repo, ["run", "-q", "--from", "kept", "--why", "a lower lr", "--", "sh", "-c", emit({ val: 0.9 })]);
    const child = await latest(repo);
    expect(child.from).toBe(base.run_id);
    await ok(repo, ["run", "-q", "--from", base.short_id, "--why", "a bigger batch", "--", "true"]);

    const listed = (await ok(repo, ["ls", "--columns", "id,why,from,decision"])).text.trim().split("\n");
    expect(listed[0]).toBe("id\twhy\tfrom\tdecision");
    expect(listed.slice(1).map((line) => line.split("\t").slice(1))).toEqual([
      ["a bigger batch", base.short_id, ""],
      ["a lower lr", base.short_id, ""],
      ["the baseline", "", "keep"],
    ]);
    const children = await json(repo, ["ls", "--where", `from = ${base.short_id}`]);
    expect(children.map((run: { why: string }) => run.why)).toEqual(["a bigger batch", "a lower lr"]);
    expect(children.every((run: { from: string }) => run.from === base.run_id)).toBe(true);

    const missing = await runIn(repo, ["run", "--from", "feedbeef", "--", "true"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("feedbeef");
    const empty = await runIn(repo, ["run", "--why", "   ", "--", "true"]);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain("--why needs some text");
    expect(runFiles(join(repo, ".exprag"))).toHaveLength(3);
  }, 60_000);

  test("a rerun builds on its source unless told otherwise", async () => {
    const repo = makeRepo();
    await ok(repo, ["run", "-q", "--", "true"]);
    const source = await latest(repo);
    await ok(repo, ["rerun", source.short_id]);
    const again = await latest(repo);
    expect(again.run_id).not.toBe(source.run_id);
    expect(again.from).toBe(source.run_id);
  }, 60_000);
});

describe("decisions", () => {
  test("keep and discard say who, when and why; a later one replaces the earlier, the history stays", async () => {
    const repo = makeRepo();
    await ok(repo, ["run", "-q", "--", "true"]);
    await ok(repo, ["run", "-q", "--", "true"]);
    const run = await latest(repo);

    const noReason = await runIn(repo, ["discard", run.short_id]);
    expect(noReason.exitCode).toBe(2);
    expect(noReason.stderr).toContain("a discard needs a reason");

    const kept = await json(repo, ["keep", run.short_id, "--because", "best so far"], { CLAUDECODE: "1" });
    expect(kept).toMatchObject({
      run_id: run.run_id,
      decision: { decision: "keep", because: "best so far", author: { kind: "agent", name: "claude-code" } },
      replaced: null,
    });
    const discarded = await json(repo, ["discard", run.short_id, "--because", "a bug in the eval"]);
    expect(discarded.decision).toMatchObject({ decision: "discard", because: "a bug in the eval", author: { kind: "user" } });
    expect(discarded.replaced).toMatchObject({ decision: "keep", because: "best so far" });

    const shown = await json(repo, ["show", run.short_id]);
    expect(shown.decision).toMatchObject({ decision: "discard", because: "a bug in the eval" });
    expect(shown.decisions.map((d: { decision: string }) => d.decision)).toEqual(["keep", "discard"]);
    expect(Date.parse(shown.decisions[0].created_at)).toBeLessThanOrEqual(Date.parse(shown.decisions[1].created_at));
    const tsv = (await ok(repo, ["show", run.short_id])).text;
    expect(tsv).toContain("decision.because\ta bug in the eval\n");

    expect((await json(repo, ["ls", "--where", "decision = discard"])).map((r: { run_id: string }) => r.run_id)).toEqual([run.run_id]);
    expect((await json(repo, ["ls", "--where", "decision = keep"])).length).toBe(0);
    const undecided = await json(repo, ["ls", "--where", "decision = none"]);
    expect(undecided).toHaveLength(1);
    expect(undecided[0].decision).toBeNull();

    const hostile = await runIn(repo, ["keep", run.short_id, "--because", "\u001b[31mred"]);
    expect(hostile.exitCode).toBe(0);
    expect((await ok(repo, ["show", run.short_id])).stdout.includes(0x1b)).toBe(false);
  }, 60_000);

  test("a decision written while the run is live leaves its file to its writer, and gc keeps a discarded run's code", async () => {
    const repo = makeRepo({ "train.py": "lr = 0.1\n" });
    write(repo, "train.py", "lr = 0.5\n");
    const stop = join(tempDir(), "stop");
    const running = Bun.spawn(
      [EXPRAG, "run", "-q", "--", "sh", "-c", `${emit({ step: 1 })}; while [ ! -e ${stop} ]; do sleep 0.02; done; ${emit({ step: 2 })}`],
      {
        cwd: repo,
        env: cleanEnv(gitEnv),
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
      },
    );
    const store = join(repo, ".exprag");
    await waitFor(() => runFiles(store).some((file) => readFileSync(file, "utf8").includes('"step":1')), "the live run's first record");
    const live = await latest(repo);
    await ok(repo, ["discard", live.short_id, "--because", "diverging early"]);
    expect((await json(repo, ["ls", "--where", "decision = discard and status = running"])).length).toBe(1);
    writeFileSync(stop, "");
    expect(await running.exited).toBe(0);
    const records = readFileSync(runFiles(store)[0]!, "utf8").trim().split("\n");
    expect(records.map((line) => JSON.parse(line).kind)).toEqual(["run_start", "track", "track", "run_end"]);
    expect((await json(repo, ["show", live.short_id])).decision.decision).toBe("discard");

    const snapshot = `refs/heads/run/${live.run_id}`;
    await ok(repo, ["gc"]);
    expect(git(repo, "rev-parse", "--verify", snapshot).trim()).toMatch(/^[0-9a-f]{40}$/);
    git(repo, "checkout", "-q", "--", "train.py");
    expect((await ok(repo, ["diff", live.short_id])).text).toContain("-lr = 0.5\n+lr = 0.1");
  }, 60_000);

  test("decisions travel with push and pull", async () => {
    const origin = makeRepo();
    const root = tempDir();
    const bare = join(root, "remote.git");
    git(root, "clone", "-q", "--bare", origin, bare);
    const [a, b] = [join(root, "a"), join(root, "b")];
    git(root, "clone", "-q", bare, a);
    git(root, "clone", "-q", bare, b);
    await ok(a, ["run", "-q", "--why", "try it", "--", "true"]);
    const run = await latest(a);
    await ok(a, ["keep", run.short_id, "--because", "first"]);
    await ok(a, ["discard", run.short_id, "--because", "second thoughts"]);
    await ok(a, ["push", bare]);
    await ok(b, ["pull", bare]);
    const pulled = await json(b, ["show", run.short_id]);
    expect(pulled.why).toBe("try it");
    expect(pulled.decisions.map((d: { because: string }) => d.because)).toEqual(["first", "second thoughts"]);
    expect(pulled.decision.decision).toBe("discard");
    // B decides again; A pulls it back: the latest decision stands on both sides.
    await ok(b, ["keep", run.short_id, "--because", "reproduced"]);
    await ok(b, ["push", bare]);
    await ok(a, ["pull", bare]);
    expect((await json(a, ["show", run.short_id])).decision).toMatchObject({ decision: "keep", because: "reproduced" });
  }, 90_000);
});

describe("project notes", () => {
  test("notes about the research stand until a later note replaces them; the history stays", async () => {
    const repo = makeRepo();
    expect(await json(repo, ["note", "--project"])).toEqual({ notes: [], history: [] });
    const idea = await json(repo, ["note", "--project", "untried: cosine schedule"]);
    expect(idea).toMatchObject({ text: "untried: cosine schedule", replaces: null, author: { kind: "user" } });
    expect(idea.id).toMatch(/^[0-9a-f]{8}$/);
    const other = await json(repo, ["note", "--project", "conclusion: lr 0.03 is best"], { CODEX_SANDBOX: "1" });
    const fixed = await json(repo, ["note", "--project", "--replaces", idea.id, "tried cosine: no gain"]);
    expect(fixed.replaces).toBe(idea.id);
    const listed = await json(repo, ["note", "--project"]);
    expect(listed.notes.map((n: { id: string }) => n.id)).toEqual([other.id, fixed.id]);
    expect(listed.notes[0].author).toEqual({ kind: "agent", name: "codex" });
    expect(listed.history.map((n: { id: string }) => n.id)).toEqual([idea.id, other.id, fixed.id]);

    const again = await runIn(repo, ["note", "--project", "--replaces", idea.id, "twice"]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`no project note "${idea.id}" stands to be replaced`);
    expect((await runIn(repo, ["note", "latest", "--replaces", idea.id, "x"])).exitCode).toBe(2);
    expect((await runIn(repo, ["note", "--project", "  "])).exitCode).toBe(2);
    expect((await json(repo, ["note", "--project"])).history).toHaveLength(3);
  }, 60_000);
});

describe("replicates", () => {
  const TRAIN = `echo "EXPRAG::{\\"val\\": $2}"\n`;

  test("rerun --seeds N makes N replicates with new seeds, tagged together, each building on the source", async () => {
    const repo = makeRepo({ "train.sh": TRAIN });
    await ok(repo, ["run", "-q", "--", "sh", "train.sh", "--seed", "7"]);
    const source = await latest(repo);
    const result = await runIn(repo, ["rerun", source.short_id, "--seeds", "3"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`replicates:${source.short_id}`);
    const replicas = await json(repo, ["ls", "--tag", `replicates:${source.short_id}`]);
    expect(replicas.map((run: { params: { seed: number } }) => run.params.seed).sort((x: number, y: number) => x - y)).toEqual([8, 9, 10]);
    expect(replicas.map((run: { metrics: { val: number } }) => run.metrics.val).sort((x: number, y: number) => x - y)).toEqual([8, 9, 10]);
    expect(replicas.every((run: { from: string; tree: string }) => run.from === source.run_id)).toBe(true);
    const verdict = await json(repo, ["verdict", replicas[0].short_id, source.short_id, "--metric", "val", "--max"]);
    expect(verdict.a.replicates.n).toBe(4);
    expect(verdict.verdict).toBe("within-noise");

    const bad = await runIn(repo, ["rerun", source.short_id, "--seeds", "0"]);
    expect(bad.exitCode).toBe(2);
  }, 90_000);

  test("a run without a seed param is repeated as it was", async () => {
    const repo = makeRepo({ "train.sh": TRAIN });
    await ok(repo, ["run", "-q", "--", "sh", "train.sh", "--lr", "3"]);
    const source = await latest(repo);
    await ok(repo, ["rerun", source.short_id, "--seeds", "2"]);
    const replicas = await json(repo, ["ls", "--tag", `replicates:${source.short_id}`]);
    expect(replicas.map((run: { params: object }) => run.params)).toEqual([{ lr: 3 }, { lr: 3 }]);
  }, 90_000);

  test("a verdict between runs of different code names the files that differ", async () => {
    const repo = makeRepo({ "train.sh": TRAIN });
    await ok(repo, ["run", "-q", "--", "sh", "train.sh", "--seed", "1"]);
    const before = await latest(repo);
    write(repo, "train.sh", `# a change\n${TRAIN}`);
    await ok(repo, ["run", "-q", "--from", before.short_id, "--", "sh", "train.sh", "--seed", "2"]);
    const after = await latest(repo);
    const verdict = await json(repo, ["verdict", after.short_id, before.short_id, "--metric", "val", "--max"]);
    expect(verdict.verdict).toBe("unknown-noise");
    expect(verdict.differs).toEqual({ params: { seed: [2, 1] }, same_code: false, files: ["train.sh"] });
    expect((await ok(repo, ["verdict", after.short_id, before.short_id, "--metric", "val"])).text).toContain("differs in train.sh");
  }, 60_000);
});
