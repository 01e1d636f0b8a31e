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

/** A bare remote made from a fresh repository, and two clones of it named `first` and `second`, side by side. */
function remoteWithClones(first: string, second: string): { bare: string; clones: [string, string] } {
  const root = tempDir();
  const bare = join(root, "remote.git");
  git(root, "clone", "-q", "--bare", makeRepo(), bare);
  const clones: [string, string] = [join(root, first), join(root, second)];
  for (const clone of clones) git(root, "clone", "-q", bare, clone);
  return { bare, clones };
}

describe("hypothesis and lineage", () => {
  test("run --why and --from are recorded, shown, listed and selectable; --from kept is the run kept last", async () => {
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
    // Kept last, though started first: --from kept builds on the run kept last, not the newest kept.
    await ok(repo, ["keep", child.short_id]);
    await ok(repo, ["keep", base.short_id, "--because", "back to the baseline"]);
    await ok(repo, ["run", "-q", "--from", "kept", "--", "true"]);
    expect((await latest(repo)).from).toBe(base.run_id);
    await ok(repo, ["rm", "latest", "--yes"]);
    await ok(repo, ["discard", child.short_id, "--because", "kept by mistake"]);

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
    const {
      bare,
      clones: [a, b],
    } = remoteWithClones("a", "b");
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

describe("sweep lineage", () => {
  test("sweep --from sets every run's from to its source, read once; without it from stays empty", async () => {
    const repo = makeRepo();
    await ok(repo, ["run", "-q", "--", "true"]);
    const base = await latest(repo);
    await ok(repo, ["keep", base.short_id]);
    await ok(repo, ["run", "-q", "--", "true"]);
    const other = await latest(repo);
    const sweep = async (args: string[], then = "true") =>
      JSON.parse((await ok(repo, ["sweep", "-q", "--json", ...args, "--", "sh", "-c", `echo {lr}; ${then}`])).text);
    // The first run keeps another run: the second still builds on the run kept when the sweep began.
    const swept = await sweep(["--from", "kept", "--grid", "lr=1,2"], `"${EXPRAG}" keep ${other.short_id}`);
    expect((await json(repo, ["show", other.short_id])).decision.decision).toBe("keep");
    const ids = swept.runs.map((run: { short_id: string }) => run.short_id);
    expect(ids).toHaveLength(2);
    const listed = (await ok(repo, ["ls", "--columns", "id,from", "--tag", `sweep:${swept.sweep_id}`])).text.trim().split("\n");
    expect(listed[0]).toBe("id\tfrom");
    expect(
      listed
        .slice(1)
        .map((line) => line.split("\t"))
        .sort(),
    ).toEqual(ids.map((id: string) => [id, base.short_id]).sort());
    expect((await json(repo, ["ls", "--where", `from = ${base.short_id}`])).map((run: { short_id: string }) => run.short_id).sort()).toEqual([...ids].sort());

    const plain = await sweep(["--grid", "lr=3"]);
    expect((await json(repo, ["show", plain.runs[0].short_id])).from).toBeNull();

    const before = runFiles(join(repo, ".exprag")).length;
    const missing = await runIn(repo, ["sweep", "--from", "feedbeef", "--grid", "lr=1", "--", "true"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("feedbeef");
    expect(runFiles(join(repo, ".exprag"))).toHaveLength(before);

    // A Slurm sweep's tasks start later: they are given the run kept at submit (the first sweep kept
    // another), not the word kept.
    const tasks = (await ok(repo, ["sweep", "--slurm", "--dry-run", "--from", "kept", "--grid", "lr=1", "--", "true"])).text.split(/^# ---- .+\n/m)[1]!;
    const task = JSON.parse(tasks.trim()).run as string[];
    expect(task).toContain(`--from=${other.run_id}`);
  }, 120_000);
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

  test("project notes travel with push and pull: both sides' notes merged, corrections and history kept", async () => {
    const {
      bare,
      clones: [a, b],
    } = remoteWithClones("a", "b");
    await ok(a, ["run", "-q", "--", "true"]);
    await ok(b, ["run", "-q", "--", "true"]);
    const idea = await json(a, ["note", "--project", "untried: cosine schedule"]);
    const fixed = await json(a, ["note", "--project", "--replaces", idea.id, "tried cosine: no gain"]);
    const pushed = await json(a, ["push", bare]);
    expect(pushed.project_notes).toBe("pushed");
    expect((await json(a, ["push", bare])).project_notes).toBe("up to date");

    // B wrote a note of its own before it pulled: after the pull it has both sides' notes.
    const mine = await json(b, ["note", "--project", "conclusion: lr 0.03 is best"]);
    const pulled = await json(b, ["pull", bare]);
    expect(pulled.project_notes).toEqual({ added: 2, dropped: 0 });
    const onB = await json(b, ["note", "--project"]);
    expect(onB.notes.map((n: { id: string }) => n.id).sort()).toEqual([mine.id, fixed.id].sort());
    expect(onB.history.map((n: { id: string }) => n.id).sort()).toEqual([idea.id, fixed.id, mine.id].sort());
    expect(onB.notes.find((n: { id: string }) => n.id === fixed.id)).toMatchObject({ text: "tried cosine: no gain", replaces: idea.id });
    await ok(b, ["push", bare]);

    // A noted something meanwhile: its push is refused until it pulls, then nothing is lost.
    const late = await json(a, ["note", "--project", "next: try warmup"]);
    const refused = await runIn(a, ["push", bare]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("project notes were not pushed");
    expect(refused.stderr).toContain("exprag pull");
    expect((await json(a, ["pull", bare])).project_notes).toEqual({ added: 1, dropped: 0 });
    expect((await json(a, ["push", bare])).project_notes).toBe("pushed");
    await ok(b, ["pull", bare]);
    for (const side of [a, b]) {
      const notes = await json(side, ["note", "--project"]);
      expect(notes.notes.map((n: { id: string }) => n.id).sort()).toEqual([fixed.id, mine.id, late.id].sort());
      expect(notes.history).toHaveLength(4);
    }
    // Pulling again adds nothing twice.
    expect((await json(b, ["pull", bare])).project_notes).toEqual({ added: 0, dropped: 0 });
    expect((await json(b, ["note", "--project"])).history).toHaveLength(4);
  }, 120_000);

  test("a remote's project notes that are no note exprag wrote are left out, the good ones kept", async () => {
    const {
      bare,
      clones: [bad, b],
    } = remoteWithClones("bad", "b");
    await ok(bad, ["run", "-q", "--", "true"]);
    const good = await json(bad, ["note", "--project", "a fair note"]);
    const line = (value: Record<string, unknown>) => JSON.stringify({ schema_version: 1, kind: "project_note", value, created_at: "2026-01-01T00:00:00Z" });
    const hostile = [
      line({ id: "../../x", text: "a path for an id" }),
      line({ id: "abcdef01", text: "x".repeat(20_000) }),
      line({ id: "abcdef02", text: "bad replaces", replaces: "../HEAD" }),
      line({ id: "abcdef03", text: 42 }),
      '{"kind": "project_note", "value": {"id": "abcdef04"',
      line({ id: "abcdef05", text: "\u001b[31mescaped when shown" }),
    ];
    writeFileSync(join(bad, ".exprag", "project-notes.jsonl"), `${readFileSync(join(bad, ".exprag", "project-notes.jsonl"), "utf8")}${hostile.join("\n")}\n`);
    await ok(bad, ["push", bare]);
    const pulled = await runIn(b, ["pull", bare, "--json"]);
    expect(pulled.exitCode).toBe(0);
    expect(JSON.parse(pulled.text).project_notes).toEqual({ added: 2, dropped: 5 });
    expect(pulled.stderr).toContain("5 lines of the remote's project notes are no project note; left out");
    const notes = await json(b, ["note", "--project"]);
    // Oldest first: the forged line says it was made in January.
    expect(notes.notes.map((n: { id: string }) => n.id)).toEqual(["abcdef05", good.id]);
    expect(readFileSync(join(b, ".exprag", "project-notes.jsonl"), "utf8")).not.toContain("a path for an id");
  }, 120_000);
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
    // More replicates, of the source or of a replicate, take seeds none of them has had.
    await ok(repo, ["rerun", source.short_id, "--seeds", "2"]);
    const nine = replicas.find((run: { params: { seed: number } }) => run.params.seed === 9);
    await ok(repo, ["rerun", nine.short_id, "--seeds", "1"]);
    const seeds = (await json(repo, ["ls", "--all"])).map((run: { params: { seed: number } }) => run.params.seed);
    expect(seeds.sort((x: number, y: number) => x - y)).toEqual([7, 8, 9, 10, 11, 12, 13]);

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
