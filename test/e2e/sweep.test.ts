import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, gitEnv, makeRepo, runIn, write } from "./git-harness";
import { cleanEnv, EXPRAG, readRecords, runFiles, runStart, type StoredRecord, tempDir, tracked, waitFor } from "./harness";
import { atTerminal, hasPty } from "./terminal";

/**
 * Records its point (and a score), and writes its start and end times to $TIMES/<lr>-<bs>. With
 * $PEERS set, it waits (up to 60 s) until two runs have started, and says whether it saw a peer:
 * the first two runs of a sweep with -j 2 meet, one at a time they could not.
 */
const TRAIN = `import json, os, sys, time
args = sys.argv[1:]
lr = float(args[args.index("--lr") + 1])
bs = int(args[args.index("--batch-size") + 1])
start = time.time()
peers = os.environ.get("PEERS")
met = None
if peers:
    open(os.path.join(peers, f"{lr}-{bs}"), "w").close()
    while len(os.listdir(peers)) < 2 and time.time() < start + 60:
        time.sleep(0.01)
    met = len(os.listdir(peers)) >= 2
print(f"training lr={lr} bs={bs}")
time.sleep(0.1)
print("EXPRAG::" + json.dumps({"score": lr * bs, "point": {"lr": lr, "bs": bs}, "met_a_peer": met}))
open(os.path.join(os.environ["TIMES"], f"{lr}-{bs}"), "w").write(f"{start} {time.time()}")
`;

const sweepIdOf = (stderr: string) => /sweep ([0-9a-f]{8}): \d+ runs?/.exec(stderr)?.[1];
const starts = (store: string) => runFiles(store).map((file) => runStart(readRecords(file)));
/** Each run file's last line as written (its run_end, when it has one), for a failure to show. */
const lastLines = (store: string) => runFiles(store).map((file) => readFileSync(file, "utf8").trimEnd().split("\n").at(-1));
const ends = (store: string) => runFiles(store).map((file) => readRecords(file).find((r: StoredRecord) => r.kind === "run_end")?.value);

function setUp() {
  const repo = makeRepo({ "train.py": TRAIN, "README.md": "# sweep\n" });
  const times = join(tempDir(), "times");
  mkdirSync(times);
  return { repo, times, store: join(repo, ".exprag") };
}

describe("exprag sweep", () => {
  test("a 3x2 grid, two at once: six runs of one snapshot, their points as params, one tag, never more than two alive", async () => {
    const { repo, times, store } = setUp();
    write(repo, "notes.txt", "untracked: the tree is dirty\n");
    const peers = join(tempDir(), "peers");
    mkdirSync(peers);
    const result = await runIn(
      repo,
      ["sweep", "--json", "-j", "2", "--grid", "lr=0.1,0.03,0.01", "--grid", "bs=32,64", "--", "python3", "train.py", "--lr", "{lr}", "--batch-size", "{bs}"],
      { TIMES: times, PEERS: peers },
    );
    expect(result.exitCode).toBe(0);
    const sweepId = sweepIdOf(result.stderr)!;
    expect(result.stderr.split("\n")[0]).toBe(`exprag: sweep ${sweepId}: 6 runs`);

    const summary = JSON.parse(result.text);
    const points = [
      { lr: 0.1, bs: 32 },
      { lr: 0.1, bs: 64 },
      { lr: 0.03, bs: 32 },
      { lr: 0.03, bs: 64 },
      { lr: 0.01, bs: 32 },
      { lr: 0.01, bs: 64 },
    ];
    expect(summary.sweep_id).toBe(sweepId);
    expect(summary.tag).toBe(`sweep:${sweepId}`);
    expect(summary.metric).toBe("score");
    expect(summary.runs.map((r: { point: object; status: string; exit_code: number }) => [r.point, r.status, r.exit_code])).toEqual(
      points.map((p) => [p, "ok", 0]),
    );
    expect(summary.runs.map((r: { metric: number }) => r.metric)).toEqual(points.map((p) => p.lr * p.bs));

    // Every run is an ordinary run: the command with its values, its point in params (beside what argv gives).
    const byId = new Map(starts(store).map((start, i) => [runFiles(store)[i]!.split("/").at(-1)!.slice(0, -6), start]));
    expect(byId.size).toBe(6);
    for (const [index, run] of summary.runs.entries()) {
      const start = byId.get(run.run_id)!;
      const { lr, bs } = points[index]!;
      expect(start.process.argv).toEqual(["python3", "train.py", "--lr", String(lr), "--batch-size", String(bs)]);
      expect(start.params).toEqual({ lr, batch_size: bs, bs });
    }
    // One snapshot commit for the sweep, on each run's own ref.
    const commits = new Set([...byId.values()].map((start) => start.git.commit));
    expect(commits.size).toBe(1);
    const [commit] = commits;
    expect(commit).not.toBe(git(repo, "rev-parse", "HEAD").trim());
    expect([...byId.values()].every((start) => start.git.dirty === true)).toBe(true);
    const refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/run/").trim().split("\n");
    expect(refs.sort()).toEqual([...byId.keys()].map((id) => `refs/heads/run/${id} ${commit}`).sort());

    const tagged = JSON.parse((await runIn(repo, ["ls", "--json", "--tag", `sweep:${sweepId}`])).text);
    expect(tagged.map((r: { run_id: string }) => r.run_id).sort()).toEqual([...byId.keys()].sort());
    const best = JSON.parse((await runIn(repo, ["best", "score", "--max", "--json", "--tag", `sweep:${sweepId}`])).text);
    expect(best[0].run_id).toBe(summary.runs[1].run_id);

    // Two at once: the first two met; and at no moment were three alive.
    const met = summary.runs.map((r: { run_id: string }) => tracked(readRecords(join(store, "runs", `${r.run_id}.jsonl`)))[0].met_a_peer);
    expect(met.slice(0, 2)).toEqual([true, true]);
    const intervals = readdirSync(times).map((name) => readFileSync(join(times, name), "utf8").split(" ").map(Number) as [number, number]);
    expect(intervals).toHaveLength(6);
    const events = intervals.flatMap(([start, end]) => [
      [start, 1],
      [end, -1],
    ]);
    events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let alive = 0;
    let most = 0;
    for (const [, change] of events) {
      alive += change!;
      most = Math.max(most, alive);
    }
    expect(most).toBe(2);

    // Piped, with --json: the runs' output is on stderr, each line after its run's short id.
    for (const run of summary.runs) expect(result.stderr).toContain(`${run.short_id} training lr=${run.point.lr} bs=${run.point.bs}\n`);
  }, 120_000);

  test("the runs start in a worktree of the code read at the start: an edit made meanwhile never reaches them", async () => {
    const { repo, times, store } = setUp();
    write(repo, ".gitignore", "data/\n");
    write(repo, "data/train.csv", "ignored data, linked in\n");
    write(repo, ".env", "TOKEN=secret\n");
    write(
      repo,
      "edit.py",
      [
        "import os, sys",
        "print(sys.argv[1], open('README.md').read().strip(), open('data/train.csv').read().strip(), open('.env').read().strip())",
        "if sys.argv[1] == '2':",
        "    open(os.path.join(os.environ['ORIGINAL'], 'train.py'), 'a').write('# edited while the sweep ran\\n')",
        "",
      ].join("\n"),
    );
    const result = await runIn(repo, ["sweep", "--grid", "x=1,2,3", "--", "python3", "edit.py", "{x}"], { TIMES: times, ORIGINAL: repo });
    expect(result.exitCode, `the sweep exited ${result.exitCode}; its stderr:\n${result.stderr}\nits runs' last lines:\n${lastLines(store).join("\n")}`).toBe(
      0,
    );
    for (const x of [1, 2, 3]) expect(result.text).toContain(`${x} # sweep ignored data, linked in TOKEN=secret\n`);
    const records = starts(store);
    expect(new Set(records.map((start) => start.git.commit)).size).toBe(1);
    expect(git(repo, "show", `${records[2].git.commit}:train.py`)).not.toContain("edited");
    expect(readFileSync(join(repo, "train.py"), "utf8")).toContain("# edited while the sweep ran");
    // The worktree is gone, the files linked into it are not.
    expect(records[0].process.cwd).toStartWith(join(store, "worktrees"));
    expect(existsSync(records[0].process.cwd)).toBe(false);
    expect(readFileSync(join(repo, "data", "train.csv"), "utf8")).toBe("ignored data, linked in\n");
    expect(readFileSync(join(repo, ".env"), "utf8")).toBe("TOKEN=secret\n");
    expect(git(repo, "worktree", "list").trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toContain("warning");
  }, 120_000);

  test("when git cannot list the ignored files, the sweep says its runs go without them, and runs them", async () => {
    const { repo, store } = setUp();
    write(repo, ".gitignore", "data/\n");
    write(repo, "data/train.csv", "ignored data\n");
    write(repo, "look.py", "import os, sys\nprint(sys.argv[1], os.path.exists('data/train.csv'))\n");
    // A git that fails every listing of ignored files, as it does while another worktree is being added.
    const bin = tempDir();
    write(bin, "git", `#!/bin/sh\ncase "$*" in *ls-files*--ignored*) echo "fatal: cannot list" >&2; exit 128;; esac\nexec '${Bun.which("git")}' "$@"\n`);
    chmodSync(join(bin, "git"), 0o755);
    const result = await runIn(repo, ["sweep", "--grid", "x=1,2", "--", "python3", "look.py", "{x}"], { PATH: `${bin}:${process.env.PATH}` });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain("cannot list the files git ignores (git ls-files: fatal: cannot list)");
    for (const x of [1, 2]) expect(result.text).toContain(`${x} False\n`);
    expect(runFiles(store)).toHaveLength(2);
  }, 120_000);

  test("a worktree the runs wrote files into is kept, said so, and gc removes it once its first run is gone", async () => {
    const { repo, store } = setUp();
    write(repo, "out.py", "import sys\nopen(f'result-{sys.argv[1]}.txt', 'w').write('r')\n");
    const result = await runIn(repo, ["sweep", "--grid", "x=1,2", "--", "python3", "out.py", "{x}"]);
    expect(result.exitCode).toBe(0);
    const [first, second] = runFiles(store).map((file) => readRecords(file)[0]!.run_id);
    const worktree = join(store, "worktrees", first!);
    expect(result.stderr).toContain(
      `exprag: warning: the runs left files in the sweep's worktree, kept at ${worktree} until exprag gc finds its runs gone: result-1.txt, result-2.txt\n`,
    );
    expect(readFileSync(join(worktree, "result-2.txt"), "utf8")).toBe("r");
    expect((await runIn(repo, ["gc"])).exitCode).toBe(0);
    expect(existsSync(worktree)).toBe(true);
    // The first run gone, the second still ran there: its outputs stay with the worktree.
    expect((await runIn(repo, ["rm", first!, "--yes"])).exitCode).toBe(0);
    const kept = await runIn(repo, ["gc"]);
    expect(kept.exitCode).toBe(0);
    expect(kept.stderr).toContain(`kept the worktree ${worktree}: runs ${second!.slice(-8)} ran in it, and their outputs are there`);
    expect(existsSync(worktree)).toBe(true);
    expect((await runIn(repo, ["rm", second!, "--yes"])).exitCode).toBe(0);
    expect((await runIn(repo, ["gc"])).exitCode).toBe(0);
    expect(existsSync(worktree)).toBe(false);
  }, 60_000);

  test("files the runs wrote that git ignores (checkpoints) keep the worktree too; Python's caches alone do not", async () => {
    const { repo, store } = setUp();
    write(repo, ".gitignore", "*.pt\n__pycache__/\n");
    // The cache written as Python writes one (whatever PYTHONDONTWRITEBYTECODE says here).
    write(
      repo,
      "save.py",
      "import os, sys\nos.makedirs('__pycache__')\nopen('__pycache__/save.cpython-3.pyc', 'w').write('')\nif sys.argv[1] == 'save': open('model.pt', 'w').write('weights')\n",
    );
    const cached = await runIn(repo, ["sweep", "--grid", "x=skip", "--", "python3", "save.py", "{x}"]);
    expect(cached.exitCode, cached.stderr).toBe(0);
    expect(cached.stderr).not.toContain("left files");
    const worktrees = join(store, "worktrees");
    expect(existsSync(worktrees) ? readdirSync(worktrees) : []).toEqual([]);
    const saved = await runIn(repo, ["sweep", "--grid", "x=save", "--", "python3", "save.py", "{x}"]);
    expect(saved.exitCode, saved.stderr).toBe(0);
    const first = readRecords(runFiles(store).sort().at(-1)!)[0]!.run_id;
    const worktree = join(store, "worktrees", first);
    expect(saved.stderr).toContain(`the runs left files in the sweep's worktree, kept at ${worktree} until exprag gc finds its runs gone: model.pt`);
    expect(readFileSync(join(worktree, "model.pt"), "utf8")).toBe("weights");
  }, 60_000);

  test("when its worktree cannot be made, the sweep says why and runs in the work tree", async () => {
    const { repo, store } = setUp();
    await runIn(repo, ["run", "--", "true"]);
    writeFileSync(join(store, "worktrees"), "a file where the worktrees would go\n");
    const result = await runIn(repo, ["sweep", "--grid", "x=1", "--", "python3", "-c", "import os; print(os.getcwd())", "{x}"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/exprag: warning: cannot make the sweep's worktree \(.+\): running in the work tree\n/);
    expect(result.text).toStartWith(`${realpathSync(repo)}\n`);
  }, 60_000);

  test("beside a branch named run, each run's snapshot goes to refs/exprag/run/<id>, and says so", async () => {
    const { repo, store } = setUp();
    git(repo, "branch", "run");
    write(repo, "README.md", "# sweep, edited\n");
    expect((await runIn(repo, ["sweep", "--grid", "x=1,2", "--", "true"])).exitCode).toBe(0);
    const [first, second] = starts(store);
    for (const start of [first, second]) {
      const runId = start.git.snapshot_ref.slice("refs/exprag/run/".length);
      expect(start.git).toMatchObject({ snapshot_ref: `refs/exprag/run/${runId}`, branch: null, commit: first.git.commit });
      expect(start.git.note).toContain(`refs/exprag/run/${runId}`);
      expect(git(repo, "rev-parse", `refs/exprag/run/${runId}`).trim()).toBe(first.git.commit);
    }
    expect(second.git.snapshot_ref).not.toBe(first.git.snapshot_ref);
  }, 60_000);

  test("--here runs in the work tree: the code is read again before a run when it changed, and each run records the code it ran", async () => {
    const { repo, times, store } = setUp();
    write(repo, "edit.py", "import sys\nif sys.argv[1] == '2':\n    open('README.md', 'a').write('edited while the sweep ran\\n')\n");
    const result = await runIn(repo, ["sweep", "--here", "--grid", "x=1,2,3,4", "--", "python3", "edit.py", "{x}"], { TIMES: times });
    expect(result.exitCode).toBe(0);
    const [first, second, third, fourth] = starts(store);
    // Runs 1 and 2 found the tree as the sweep read it; run 2 edited it; 3 and 4 share the new code.
    expect(first.process.cwd).toBe(repo);
    expect(second.git.commit).toBe(first.git.commit);
    expect(git(repo, "show", `${second.git.commit}:README.md`)).toBe("# sweep\n");
    expect(third.git.commit).not.toBe(first.git.commit);
    expect(git(repo, "show", `${third.git.commit}:README.md`)).toBe("# sweep\nedited while the sweep ran\n");
    expect(fourth.git.commit).toBe(third.git.commit);
    expect(result.stderr).toContain("exprag: warning: the work tree changed while the sweep ran: run 3 and the runs after it record its code as it is now\n");
    expect(result.stderr.match(/work tree changed/g)).toHaveLength(1);
    expect((await runIn(repo, ["diff", "latest", "--quiet"])).exitCode).toBe(0);
  }, 60_000);

  test("placeholders anywhere in several words; {{ }} are literal braces; the summary is TSV through a pipe", async () => {
    const cwd = tempDir();
    const result = await runIn(cwd, ["sweep", "--grid", "a=1,2", "--grid", "b=x,y", "--", "echo", "--out=a{a}-b{b}.txt", "{a}{b}", "{{a}}"]);
    expect(result.exitCode).toBe(0);
    const argvs = starts(join(cwd, ".exprag")).map((start) => start.process.argv);
    expect(argvs).toEqual([
      ["echo", "--out=a1-bx.txt", "1x", "{a}"],
      ["echo", "--out=a1-by.txt", "1y", "{a}"],
      ["echo", "--out=a2-bx.txt", "2x", "{a}"],
      ["echo", "--out=a2-by.txt", "2y", "{a}"],
    ]);
    // One at a time, the output passes through as with run; the summary follows it.
    const lines = result.text.split("\n").slice(0, -1);
    expect(lines.slice(0, 4)).toEqual(["--out=a1-bx.txt 1x {a}", "--out=a1-by.txt 1y {a}", "--out=a2-bx.txt 2x {a}", "--out=a2-by.txt 2y {a}"]);
    expect(lines[4]).toBe("run\tpoint\tstatus\texit\tmetric");
    expect(lines.slice(5).map((line) => line.split("\t").slice(1))).toEqual([
      ["a=1 b=x", "ok", "0", ""],
      ["a=1 b=y", "ok", "0", ""],
      ["a=2 b=x", "ok", "0", ""],
      ["a=2 b=y", "ok", "0", ""],
    ]);
  }, 60_000);

  test("a placeholder no --grid gives, or nothing to sweep, is a usage error and runs nothing", async () => {
    const cwd = tempDir();
    const unknown = await runIn(cwd, ["sweep", "--grid", "lr=0.1", "--", "echo", "{lr}", "{bs}"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("the command names {bs}, which no --grid or --range gives (known: lr)");
    const nothing = await runIn(cwd, ["sweep", "--", "echo", "hi"]);
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toContain("nothing to sweep");
    expect(existsSync(join(cwd, ".exprag"))).toBe(false);
  });

  test("--random with --seed draws the same points every time, inside the ranges", async () => {
    const cwd = tempDir();
    const ranges = ["--random", "5", "--range", "lr=1e-4:1e-1:log", "--range", "dropout=0:0.5"];
    const drawing = (seed?: string) =>
      runIn(cwd, ["sweep", "--dry-run", "--json", ...ranges, ...(seed ? ["--seed", seed] : []), "--", "t", "{lr}", "{dropout}"]);
    const draw = async (seed: string) => JSON.parse((await drawing(seed)).text) as { point: { lr: number; dropout: number }; command: string[] }[];
    const first = await draw("7");
    expect(await draw("7")).toEqual(first);
    expect(await draw("8")).not.toEqual(first);
    expect(first).toHaveLength(5);
    // A dry run without --seed says the seed it drew with, so its points can be drawn again.
    const unseeded = await drawing();
    const drawnWith = /drew the points with --seed (\d+)/.exec(unseeded.stderr)?.[1];
    expect(drawnWith).toBeString();
    expect(await draw(drawnWith!)).toEqual(JSON.parse(unseeded.text));
    for (const { point, command } of first) {
      expect(point.lr).toBeGreaterThanOrEqual(1e-4);
      expect(point.lr).toBeLessThanOrEqual(1e-1);
      expect(point.dropout).toBeGreaterThanOrEqual(0);
      expect(point.dropout).toBeLessThanOrEqual(0.5);
      expect(command).toEqual(["t", String(point.lr), String(point.dropout)]);
    }
    // Run for real, each run's params hold its drawn point.
    const ran = await runIn(cwd, [
      "sweep",
      "--json",
      "--random",
      "2",
      "--range",
      "lr=1e-4:1e-1:log",
      "--range",
      "dropout=0:0.5",
      "--seed",
      "7",
      "--",
      "echo",
      "--lr",
      "{lr}",
      "--dropout",
      "{dropout}",
    ]);
    const drawn = first.slice(0, 2).map(({ point }) => point);
    expect(JSON.parse(ran.text).runs.map((r: { point: object }) => r.point)).toEqual(drawn);
    expect(starts(join(cwd, ".exprag")).map((start) => start.params)).toEqual(drawn);
  }, 60_000);

  test("a failed run fails the sweep (exit 1) and the others still run; --fail-fast starts none after it", async () => {
    const failing = ["python3", "-c", "import sys; sys.exit(3 if sys.argv[1] == '2' else 0)", "{x}"];
    const cwd = tempDir();
    const all = await runIn(cwd, ["sweep", "--json", "--grid", "x=1,2,3", "--", ...failing]);
    expect(all.exitCode).toBe(1);
    expect(JSON.parse(all.text).runs.map((r: { status: string; exit_code: number }) => [r.status, r.exit_code])).toEqual([
      ["ok", 0],
      ["failed", 3],
      ["ok", 0],
    ]);
    const fast = tempDir();
    const stopped = await runIn(fast, ["sweep", "--json", "--fail-fast", "--grid", "x=1,2,3", "--", ...failing]);
    expect(stopped.exitCode).toBe(1);
    const runs = JSON.parse(stopped.text).runs;
    expect(runs.map((r: { status: string; run_id: string | null }) => [r.status, r.run_id === null])).toEqual([
      ["ok", false],
      ["failed", false],
      ["not started", true],
    ]);
    expect(runFiles(join(fast, ".exprag"))).toHaveLength(2);
    expect(stopped.stderr).toContain("1 ok, 1 failed, 1 not started");
  }, 60_000);

  test("SIGTERM stops the sweep: the running runs get it and end killed, nothing new starts, the summary says what ran", async () => {
    const cwd = tempDir();
    const marks = join(tempDir(), "marks");
    mkdirSync(marks);
    const script = "import os, sys, time\nopen(os.path.join(os.environ['MARKS'], sys.argv[1]), 'w').close()\ntime.sleep(60)\n";
    await using sweep = Bun.spawn([EXPRAG, "sweep", "--json", "-j", "2", "--grid", "x=1,2,3,4", "--", "python3", "-c", script, "{x}"], {
      cwd,
      env: cleanEnv({ ...gitEnv, MARKS: marks }),
      stdout: "pipe",
      stderr: "pipe",
    });
    await waitFor(() => readdirSync(marks).length === 2, "two runs to start");
    sweep.kill("SIGTERM");
    const [stdout, stderr, exitCode] = await Promise.all([new Response(sweep.stdout).text(), new Response(sweep.stderr).text(), sweep.exited]);
    expect(exitCode).toBe(143);
    const summary = JSON.parse(stdout);
    expect(summary.runs.map((r: { status: string; exit_code: number | null }) => [r.status, r.exit_code])).toEqual([
      ["killed", 143],
      ["killed", 143],
      ["not started", null],
      ["not started", null],
    ]);
    expect(ends(join(cwd, ".exprag")).map((end) => [end.status, end.signal])).toEqual([
      ["killed", "SIGTERM"],
      ["killed", "SIGTERM"],
    ]);
    expect(readdirSync(marks).sort()).toEqual(["1", "2"]);
    expect(stderr).toContain("stopped by SIGTERM: 2 killed, 2 not started");
  }, 60_000);

  test("--gpus 0,1 gives each of two slots its own device, recorded in run_start; -j defaults to their number", async () => {
    const cwd = tempDir();
    const marks = join(tempDir(), "peers");
    mkdirSync(marks);
    // The first two runs wait for each other: two slots at once.
    const script =
      "import os, sys, time\nopen(os.path.join(os.environ['PEERS'], sys.argv[1]), 'w').close()\nt = time.time()\nwhile len(os.listdir(os.environ['PEERS'])) < 2 and time.time() < t + 60: time.sleep(0.01)\n";
    const result = await runIn(cwd, ["sweep", "--json", "--gpus", "0,1", "--grid", "x=1,2,3", "--", "python3", "-c", script, "{x}"], { PEERS: marks });
    expect(result.exitCode).toBe(0);
    const runs = JSON.parse(result.text).runs as { run_id: string; device: string }[];
    expect(new Set(runs.slice(0, 2).map((r) => r.device))).toEqual(new Set(["0", "1"]));
    expect(["0", "1"]).toContain(runs[2]!.device);
    for (const run of runs) {
      const start = runStart(readRecords(join(cwd, ".exprag", "runs", `${run.run_id}.jsonl`)));
      expect(start.devices).toEqual({ CUDA_VISIBLE_DEVICES: run.device, HIP_VISIBLE_DEVICES: run.device });
    }
    const tooMany = await runIn(cwd, ["sweep", "-j", "3", "--gpus", "0,1", "--grid", "x=1", "--", "true"]);
    expect(tooMany.exitCode).toBe(2);
    expect(tooMany.stderr).toContain("-j 3 needs 3 devices, --gpus gives 2");
  }, 60_000);

  test("--dry-run prints each command, one per line, shell-quoted, and records nothing", async () => {
    const cwd = tempDir();
    const result = await runIn(cwd, [
      "sweep",
      "--dry-run",
      "--grid",
      "lr=0.1,0.03",
      "--grid",
      "name=a b,c",
      "--",
      "python",
      "train.py",
      "--lr",
      "{lr}",
      "--name",
      "{name}",
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe(
      [
        "python train.py --lr 0.1 --name 'a b'",
        "python train.py --lr 0.1 --name c",
        "python train.py --lr 0.03 --name 'a b'",
        "python train.py --lr 0.03 --name c",
        "",
      ].join("\n"),
    );
    expect(result.stderr).toBe("");
    expect(existsSync(join(cwd, ".exprag"))).toBe(false);
  });

  test.skipIf(!hasPty)(
    "several at once at a terminal: a status line per run, not their interleaved output",
    async () => {
      const { repo, times } = setUp();
      const { output, exitCode } = await atTerminal(
        [EXPRAG, "sweep", "-j", "2", "--grid", "lr=0.1,0.2,0.3", "--grid", "bs=1", "--", "python3", "train.py", "--lr", "{lr}", "--batch-size", "{bs}"],
        { cwd: repo, env: { ...gitEnv, TIMES: times } },
      );
      expect(exitCode).toBe(0);
      // Their output is in their logs; a status line may show its last line, but it never stands as a line of its own.
      expect(output).not.toMatch(/^(?:[0-9a-f]{8} )?training lr=/m);
      for (const lr of ["0.1", "0.2", "0.3"]) expect(output).toMatch(new RegExp(`[0-9a-f]{8}(\\x1b\\[22m)?  ended ok  lr=${lr} bs=1`));
      expect(output).toMatch(/run\s+point\s+status\s+exit\s+score/);
    },
    60_000,
  );
});
