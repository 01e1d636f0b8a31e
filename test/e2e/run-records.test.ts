import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprint, git, makeRepo, write } from "./git-harness";
import { EXPRAG, exprag, onlyRun, readRecords, runEnd, runFiles, runStart, tempDir, tracked } from "./harness";

const sh = (script: string) => ["sh", "-c", script];

describe("exprag run: the run file", () => {
  test("writes one JSONL file with run_start, the records, and run_end, each in the original schema", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--name", "baseline", "--", ...sh(`echo hello; echo 'EXPRAG::{"step": 1, "loss": 0.5}'`)], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe("hello\n");
    const files = runFiles(join(cwd, ".exprag"));
    expect(files).toHaveLength(1);
    const records = readRecords(files[0]!);
    expect(records.map((r) => r.kind)).toEqual(["run_start", "track", "run_end"]);
    const runId = records[0]!.run_id;
    expect(files[0]!.endsWith(`${runId}.jsonl`)).toBe(true);
    expect(runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const record of records) {
      expect(Object.keys(record).sort()).toEqual(
        ["created_at", "elapsed_ms", "experiment_name", "exprag_version", "kind", "run_id", "schema_version", "value"].sort(),
      );
      expect(record).toMatchObject({ schema_version: 1, run_id: runId, experiment_name: "baseline" });
      expect(record.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(record.elapsed_ms).toBeGreaterThanOrEqual(0);
    }
    expect(records[1]!.value).toEqual({ step: 1, loss: 0.5 });
    const elapsed = records.map((r) => r.elapsed_ms);
    expect([...elapsed].sort((a, b) => a - b)).toEqual(elapsed);
    expect(runEnd(records)).toMatchObject({ status: "ok", exit_code: 0, signal: null, counts: { track: 1, parse_error: 0 } });
    expect(runEnd(records).resources.max_rss_bytes).toBeGreaterThan(0);
    expect(typeof runEnd(records).duration_ms).toBe("number");
  });

  test("run_start records host, process and metadata; outside a repository git says so", async () => {
    const cwd = tempDir();
    await exprag(["run", "--meta", "hparams.lr=0.03", "--meta", "tag=base", "--", "true"], { cwd });
    const start = runStart(onlyRun(join(cwd, ".exprag")));
    expect(start.git).toMatchObject({ commit: null, branch: null, dirty: null, note: "not inside a git work tree" });
    expect(Object.keys(start.host).sort()).toEqual(["arch", "cpu_count", "hostname", "os", "username"]);
    expect(start.process).toMatchObject({ cwd: realpathSync(cwd), argv: ["true"] });
    expect(start.process.started).toMatchObject({ pid: start.process.pid, host: start.host.hostname });
    expect(start.metadata).toEqual({ hparams: { lr: 0.03 }, tag: "base" });
    expect(start.parent_run_id).toBeUndefined();
  });

  test("names the experiment after the script it runs", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "train.py"), "print('hi')\n");
    await exprag(["run", "--", "python3", "-u", "train.py", "--lr", "1"], { cwd });
    expect(onlyRun(join(cwd, ".exprag"))[0]!.experiment_name).toBe("train.py");
  });

  test("takes metadata from --meta-file, overridden by --meta", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "meta.json"), JSON.stringify({ hparams: { lr: 1, bs: 32 } }));
    await exprag(["run", "--meta-file", "meta.json", "--meta", "hparams.lr=0.5", "--", "true"], { cwd });
    expect(runStart(onlyRun(join(cwd, ".exprag"))).metadata).toEqual({ hparams: { lr: 0.5, bs: 32 } });
  });

  test("metadata deeper than a record may nest, or from a file that is not a regular one, is a usage error before anything starts", async () => {
    const repo = makeRepo();
    write(repo, "dirty.txt", "a change, so a run would make a snapshot ref\n");
    write(repo, "deep.json", `{"a":${"[".repeat(200)}${"]".repeat(200)}}`);
    const fifo = join(repo, "meta.fifo");
    const hasFifo = Bun.spawnSync(["mkfifo", fifo]).exitCode === 0;
    const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    const cases: [string[], string][] = [
      [["--meta", `a=${nested(50_000)}`], "--meta a nests deeper than 100 levels, as no record may"],
      [["--meta", `${"a.".repeat(600)}b=1`], `--meta ${"a.".repeat(20)}... nests deeper than 100 levels, as no record may`],
      [["--meta-file", "deep.json"], "--meta-file deep.json nests deeper than 100 levels, as no record may"],
      [["--meta-file", "/dev/zero"], "cannot read --meta-file /dev/zero (not a regular file)"],
      ...(hasFifo ? [[["--meta-file", fifo], `cannot read --meta-file ${fifo} (not a regular file)`] as [string[], string]] : []),
    ];
    for (const [options, message] of cases) {
      const result = await exprag(["run", ...options, "--", "true"], { cwd: repo, timeoutMs: 30_000 });
      expect({ options: options[0], code: result.exitCode, stderr: result.stderr }).toEqual({
        options: options[0],
        code: 2,
        stderr: `exprag: error: ${message}\n`,
      });
    }
    expect(existsSync(join(repo, ".exprag", "runs")) ? runFiles(join(repo, ".exprag")) : []).toEqual([]);
    expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/run")).toBe("");
    // At the limit it is kept; a command word nested past it is no parameter, and the run goes on.
    const kept = await exprag(["run", "--meta", `a=${nested(99)}`, "--", "true", `${"x.".repeat(60_000)}y=1`, "lr=0.1"], { cwd: repo });
    expect(kept.exitCode).toBe(0);
    const start = runStart(onlyRun(join(repo, ".exprag")));
    expect(JSON.stringify(start.metadata)).toBe(`{"a":${nested(99)}}`);
    expect(start.params).toEqual({ lr: 0.1 });
  });

  test("gives the child its run id, the store, the record descriptor and unbuffered Python", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh('echo "$EXPRAG_RUN_ID|$EXPRAG_DIR|$EXPRAG_FD|$PYTHONUNBUFFERED"')], { cwd });
    const records = onlyRun(join(cwd, ".exprag"));
    expect(result.text).toBe(`${records[0]!.run_id}|${join(realpathSync(cwd), ".exprag")}|3|1\n`);
  });

  test("leaves a PYTHONUNBUFFERED the user set", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh('echo "$PYTHONUNBUFFERED"')], { cwd, env: { PYTHONUNBUFFERED: "" } });
    expect(result.text).toBe("\n");
  });

  test("keeps the child's stdout and stderr in <run_id>.log, or not with --no-log", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--", ...sh("echo out; echo 'EXPRAG::1'; echo err >&2")], { cwd });
    expect(result.stderr).toContain("err\n");
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    expect(readFileSync(file.replace(/\.jsonl$/, ".log"), "utf8")).toBe("out\nerr\n");

    const other = tempDir();
    const quiet = await exprag(["run", "--no-log", "--", ...sh("echo out; echo err >&2")], { cwd: other });
    expect(quiet.text).toBe("out\n");
    expect(quiet.stderr).toContain("err\n");
    expect(existsSync(runFiles(join(other, ".exprag"))[0]!.replace(/\.jsonl$/, ".log"))).toBe(false);
  });

  test("--echo also shows the magic lines", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--echo", "--", ...sh("echo a; echo 'EXPRAG::1'; echo b")], { cwd });
    expect(result.text).toBe("a\nEXPRAG::1\nb\n");
    expect(tracked(onlyRun(join(cwd, ".exprag")))).toEqual([1]);
  });

  test("puts the store where --dir or EXPRAG_DIR says, with a .gitignore of *", async () => {
    const cwd = tempDir();
    await exprag(["run", "--dir", "custom", "--", "true"], { cwd });
    expect(runFiles(join(cwd, "custom"))).toHaveLength(1);
    expect(readFileSync(join(cwd, "custom", ".gitignore"), "utf8")).toBe("*\n");
    await exprag(["run", "--", "true"], { cwd, env: { EXPRAG_DIR: join(cwd, "from-env") } });
    expect(runFiles(join(cwd, "from-env"))).toHaveLength(1);
  });

  test("stores runs at the top of the git work tree, which stays clean", async () => {
    const repo = tempDir();
    const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: repo, env: { ...process.env, GIT_DIR: undefined } });
    git("init", "-q", "-b", "main");
    writeFileSync(join(repo, "a.txt"), "a\n");
    git("add", "a.txt");
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
    mkdirSync(join(repo, "sub"));
    const before = fingerprint(repo);
    await exprag(["run", "--", "true"], { cwd: join(repo, "sub") });
    expect(fingerprint(repo)).toEqual(before);
    const records = onlyRun(join(repo, ".exprag"));
    const head = git("rev-parse", "HEAD").stdout.toString().trim();
    expect(runStart(records).git).toMatchObject({ commit: head, branch: "main", head, dirty: false, snapshot_ref: null });
    expect(git("status", "--porcelain").stdout.toString()).toBe("");
  });

  test("refuses a store that is the top of a repository or a folder of other files", async () => {
    const repo = tempDir();
    Bun.spawnSync(["git", "init", "-q"], { cwd: repo });
    writeFileSync(join(repo, "keep.txt"), "mine\n");
    const top = await exprag(["run", "--dir", ".", "--", "touch", "started"], { cwd: repo });
    expect(top.exitCode).toBe(2);
    expect(top.stderr).toContain("would be the top of a git repository");
    mkdirSync(join(repo, "data"));
    writeFileSync(join(repo, "data", "train.csv"), "x\n");
    const foreign = await exprag(["run", "--dir", "data", "--", "touch", "started"], { cwd: repo });
    expect(foreign.exitCode).toBe(2);
    expect(foreign.stderr).toContain("already holds other files");
    expect(existsSync(join(repo, ".gitignore"))).toBe(false);
    expect(existsSync(join(repo, "data", ".gitignore"))).toBe(false);
    expect(existsSync(join(repo, "started"))).toBe(false);
    // A runs/ of someone else's (TensorBoard's) beside their files is no store either.
    mkdirSync(join(repo, "experiments", "runs"), { recursive: true });
    writeFileSync(join(repo, "experiments", "notes.md"), "mine\n");
    const tensorboard = await exprag(["run", "--dir", "experiments", "--", "touch", "started"], { cwd: repo });
    expect(tensorboard.exitCode).toBe(2);
    expect(tensorboard.stderr).toContain("already holds files of its own beside runs/");
    expect(existsSync(join(repo, "experiments", ".gitignore"))).toBe(false);
    // One exprag made is its store still, whatever was put in it since.
    expect((await exprag(["run", "--dir", "made", "--", "true"], { cwd: repo })).exitCode).toBe(0);
    writeFileSync(join(repo, "made", "later.txt"), "x\n");
    expect((await exprag(["run", "--dir", "made", "--", "true"], { cwd: repo })).exitCode).toBe(0);
  });

  test("records $note, $meta and note-only lines", async () => {
    const cwd = tempDir();
    const lines = ['EXPRAG::{"$meta": {"resolved": {"lr": 0.1}}}', 'EXPRAG::{"loss": 1, "$note": "after warm-up"}', 'EXPRAG::{"$note": "phase two"}'];
    await exprag(["run", "--", ...sh(lines.map((l) => `echo '${l}'`).join(";"))], { cwd });
    const records = onlyRun(join(cwd, ".exprag")).filter((r) => !r.kind.startsWith("run_"));
    expect(records.map(({ kind, value, note }) => ({ kind, value, note }))).toEqual([
      { kind: "meta", value: { resolved: { lr: 0.1 } }, note: undefined },
      { kind: "track", value: { loss: 1 }, note: "after warm-up" },
      { kind: "note", value: null, note: "phase two" },
    ]);
  });

  test("a $params line from any program is a params record: counted in run_end, and every answer reads it", async () => {
    const cwd = tempDir();
    const lines = ['EXPRAG::{"$params": {"batch": 32}, "acc": 0.7}', 'EXPRAG::{"$params": {"lr": 0.1}}'];
    await exprag(["run", "--", ...sh(lines.map((l) => `echo '${l}'`).join(";"))], { cwd });
    await exprag(["run", "--", ...sh(`echo 'EXPRAG::{"acc": 0.5}'`)], { cwd });
    const [withParams, without] = runFiles(join(cwd, ".exprag")).map((file) => runEnd(readRecords(file)) as { counts: Record<string, number> });
    expect(withParams!.counts).toEqual({ track: 1, meta: 0, note: 0, parse_error: 0, params: 2 });
    expect(without!.counts).toEqual({ track: 1, meta: 0, note: 0, parse_error: 0 });
    const listing = async (args: string[]) =>
      JSON.parse((await exprag([...args, "--json"], { cwd })).stdout.toString()) as { run_id: string; params: unknown }[];
    // Listing without reading the records, reading them all for an aggregate, and show all agree.
    const listed = await listing(["ls"]);
    expect(listed.map((run) => run.params)).toEqual([{}, { batch: 32, lr: 0.1 }]);
    expect((await listing(["ls", "--where", "max(acc) > 0"])).map((run) => run.params)).toEqual(listed.map((run) => run.params));
    const shown = JSON.parse((await exprag(["show", listed[1]!.run_id, "--json"], { cwd })).stdout.toString());
    expect(shown.params).toEqual({ batch: 32, lr: 0.1 });
    const compared = JSON.parse((await exprag(["compare", listed[1]!.run_id, listed[0]!.run_id, "--json"], { cwd })).stdout.toString());
    expect(compared.params).toEqual({ batch: [32, null], lr: [0.1, null] });
  });

  test("records a run inside a run with its parent's id, in the same store", async () => {
    const cwd = tempDir();
    const result = await exprag(["run", "--name", "outer", "--", EXPRAG, "run", "--name", "inner", "--", ...sh("echo 'EXPRAG::1'")], { cwd });
    expect(result.exitCode).toBe(0);
    const runs = runFiles(join(cwd, ".exprag")).map(readRecords);
    const outer = runs.find((r) => r[0]!.experiment_name === "outer")!;
    const inner = runs.find((r) => r[0]!.experiment_name === "inner")!;
    expect(runStart(inner).parent_run_id).toBe(outer[0]!.run_id);
    expect(tracked(inner)).toEqual([1]);
  });

  test("records which coding agent started the run", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "true"], { cwd, env: { CLAUDECODE: "1" } });
    expect(runStart(onlyRun(join(cwd, ".exprag"))).agent).toEqual({ name: "claude-code", env: "CLAUDECODE" });
  });
});
