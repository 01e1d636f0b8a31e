/**
 * A shared remote is written by peers who may be careless or hostile. Each remote here is made
 * with git plumbing, as such a peer would: a run extended behind a live writer's back, records
 * after a run_end, an object whose mode lies about its type, a run that vanishes mid-push.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { git, gitEnv, gitIdentity, makeRepo, runIn } from "./git-harness";
import { cleanEnv, EXPRAG, readRecords, recordLine, runEnd, runFiles, shell, tempDir, tracked, waitFor } from "./harness";

/** Runs git plumbing in `repo` with `input` on stdin; returns its stdout, trimmed. */
export function plumb(repo: string, input: string | Buffer, ...args: string[]): string {
  const result = Bun.spawnSync(["git", ...args], {
    cwd: repo,
    env: cleanEnv({ ...gitEnv, ...gitIdentity }),
    stdin: Buffer.from(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
  return result.stdout.toString().trim();
}

export function bareRemote(): string {
  const remote = join(tempDir(), "remote.git");
  git(tempDir(), "init", "-q", "--bare", remote);
  return remote;
}

/** Commits a run tree of these files onto the remote's ref for `runId`, on top of what is there. */
export function forgeRun(remote: string, runId: string, files: Record<string, string | Buffer>, entries: string[] = []): string {
  const lines = Object.entries(files).map(([name, content]) => `100644 blob ${plumb(remote, content, "hash-object", "-w", "--stdin")}\t${name}`);
  const tree = plumb(remote, `${[...lines, ...entries].join("\n")}\n`, "mktree");
  const ref = `refs/exprag/runs/${runId}`;
  const parent = Bun.spawnSync(["git", "rev-parse", "-q", "--verify", ref], { cwd: remote, env: cleanEnv(gitEnv), stdout: "pipe" })
    .stdout.toString()
    .trim();
  const commit = plumb(remote, "peer\n", "commit-tree", tree, ...(parent ? ["-p", parent] : []));
  git(remote, "update-ref", ref, commit);
  return commit;
}

const idOf = (file: string) => readRecords(file)[0]!.run_id;

async function ok(cwd: string, args: string[]) {
  const result = await runIn(cwd, args);
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

/**
 * `exprag run` of a command that records step 1, then waits until released and runs `then`;
 * resolves once step 1 is in the run file. On failure the command is released, so nothing is left behind.
 */
async function heldRun(repo: string, name: string, then = "") {
  const stop = join(tempDir(), "stop");
  const release = () => writeFileSync(stop, "");
  const proc = Bun.spawn([EXPRAG, "run", "--name", name, "--", "sh", "-c", `echo 'EXPRAG::{"step":1}'; while [ ! -e ${stop} ]; do sleep 0.02; done; ${then}`], {
    cwd: repo,
    env: cleanEnv(gitEnv),
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  const store = join(repo, ".exprag");
  try {
    await waitFor(() => runFiles(store).some((file) => readFileSync(file, "utf8").includes('"step":1')), `the ${name} run's first record`);
  } catch (error) {
    release();
    throw error;
  }
  return { proc, file: runFiles(store)[0]!, release };
}

describe("a pull never touches a run that is written here", () => {
  test("a remote's longer copy of a live run is kept aside: every record after the pull, and run_end, stay in the file", async () => {
    const repo = makeRepo();
    const remote = bareRemote();
    const live = await heldRun(repo, "live", `echo 'EXPRAG::{"step":2}'`);
    try {
      const id = idOf(live.file);
      await ok(repo, ["push", remote]);
      // A peer extends the run on the remote, with a metric of its own and a run_end.
      const extended = readFileSync(live.file, "utf8") + recordLine(id, "track", { metric: 999 }) + recordLine(id, "run_end", { status: "ok", exit_code: 0 });
      forgeRun(remote, id, { "run.jsonl": extended });

      const pulled = await runIn(repo, ["pull", remote, "--json"]);
      expect(pulled.exitCode).toBe(0);
      expect(JSON.parse(pulled.text).kept).toEqual([{ run_id: id, reason: expect.stringContaining("still being written here") }]);
    } finally {
      // The live run ends whatever happened, so no test leaves it behind.
      live.release();
    }
    expect(await live.proc.exited).toBe(0);
    const records = readRecords(live.file);
    expect(tracked(records)).toEqual([{ step: 1 }, { step: 2 }]);
    expect(runEnd(records).status).toBe("ok");
  }, 60_000);

  test("a remote's longer copy of a run this store recorded, whose writer died, is kept aside: the file stays as its writer left it", async () => {
    const repo = makeRepo();
    const remote = bareRemote();
    // The run's own exprag dies (kill -9) after one record; its command goes on until released.
    const crashed = await heldRun(repo, "crashed");
    try {
      crashed.proc.kill("SIGKILL");
      await crashed.proc.exited;
    } finally {
      crashed.release();
    }
    const { file } = crashed;
    const id = idOf(file);
    await ok(repo, ["push", remote]);
    const before = readFileSync(file);
    // A peer "finishes" the run on the remote, with a metric of its own.
    forgeRun(remote, id, {
      "run.jsonl": before.toString() + recordLine(id, "track", { step: 2, metric: 999 }) + recordLine(id, "run_end", { status: "ok", exit_code: 0 }),
    });

    const pulled = await runIn(repo, ["pull", remote, "--json"]);
    expect(pulled.exitCode).toBe(0);
    expect(JSON.parse(pulled.text).kept).toEqual([{ run_id: id, reason: expect.stringContaining("this store recorded it") }]);
    expect(readFileSync(file)).toEqual(before);
    const [listed] = JSON.parse((await ok(repo, ["ls", "--json"])).text);
    expect(listed.status).toBe("crashed");
  }, 60_000);

  /** A finished run pushed to a bare remote: the clone, the remote, the run's file, id and bytes. */
  async function pushedRun() {
    const repo = makeRepo();
    const remote = bareRemote();
    await ok(repo, ["run", "--name", "done", "--", "sh", "-c", `echo 'EXPRAG::{"metrics":{"acc":0.5}}'`]);
    const file = runFiles(join(repo, ".exprag"))[0]!;
    const id = idOf(file);
    await ok(repo, ["push", remote]);
    return { repo, remote, file, id, before: readFileSync(file) };
  }

  test("a remote version that adds records after run_end changes nothing, here or in a fresh clone", async () => {
    const { repo, remote, file, id, before } = await pushedRun();
    forgeRun(remote, id, { "run.jsonl": before.toString() + recordLine(id, "track", { metrics: { acc: 0.99 } }) });
    const answer = (await ok(repo, ["best", "metrics.acc", "--max", "--json"])).text;

    const pulled = await runIn(repo, ["pull", remote, "--json"]);
    expect(pulled.exitCode).toBe(0);
    expect(JSON.parse(pulled.text).kept).toEqual([{ run_id: id, reason: expect.stringContaining("after its run_end") }]);
    expect(pulled.stderr).toContain("after its run_end");
    expect(readFileSync(file)).toEqual(before);
    expect((await ok(repo, ["best", "metrics.acc", "--max", "--json"])).text).toBe(answer);

    const fresh = makeRepo();
    const elsewhere = await runIn(fresh, ["pull", remote, "--json"]);
    expect(elsewhere.exitCode).toBe(0);
    expect(JSON.parse(elsewhere.text).pulled).toEqual([]);
    expect(runFiles(join(fresh, ".exprag"))).toEqual([]);
  }, 60_000);

  test("a run_end spelled with escapes is a run_end: records after it are kept aside too", async () => {
    const { repo, remote, file, id, before } = await pushedRun();
    const escaped = before.toString().replace('"kind":"run_end"', '"kind":"run\\u005fend"');
    expect(escaped).not.toBe(before.toString());
    forgeRun(remote, id, { "run.jsonl": escaped + recordLine(id, "track", { metrics: { acc: 0.99 } }) });
    const pulled = await runIn(repo, ["pull", remote, "--json"]);
    expect(pulled.exitCode).toBe(0);
    expect(JSON.parse(pulled.text).kept).toEqual([{ run_id: id, reason: expect.stringContaining("after its run_end") }]);
    expect(readFileSync(file)).toEqual(before);
  }, 60_000);
});

describe("rerun of a pulled run", () => {
  /** A clone that pulled a run a peer forged: another host, a command, and skipped paths leading out. */
  async function pulledForgery(host = "peer-host", cwd = "/elsewhere/project") {
    const origin = makeRepo();
    const root = tempDir();
    const remote = join(root, "remote.git");
    git(root, "clone", "-q", "--bare", origin, remote);
    git(root, "clone", "-q", remote, "clone");
    const clone = join(root, "clone");
    // What the skipped paths would reach, and be linked to, in the user's own folders.
    writeFileSync(join(root, "escape"), "the user's\n");
    const commit = git(clone, "rev-parse", "HEAD").trim();
    const id = "01a00000-0000-7000-8000-0000000000aa";
    const start = recordLine(id, "run_start", {
      git: {
        commit,
        head: commit,
        dirty: false,
        snapshot_ref: null,
        skipped: [
          { path: "../escape", reason: "too large" },
          { path: "/etc/passwd", reason: "x" },
        ],
      },
      host: { hostname: host },
      process: {
        pid: 1,
        cwd,
        argv: ["sh", "-c", "touch ran-here"],
        started: { host, pid: 1, boot_id: null, start_ticks: null },
      },
    });
    forgeRun(remote, id, { "run.jsonl": start + recordLine(id, "run_end", { status: "ok", exit_code: 0 }) });
    await ok(clone, ["pull"]);
    return { clone, root, id };
  }

  test("without a terminal it needs --yes, says where the run was recorded, and runs nothing before", async () => {
    const { clone, id } = await pulledForgery();
    const worktree = join(tempDir(), "wt");
    const refused = await runIn(clone, ["rerun", id, "--worktree", worktree]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("was recorded on host peer-host; its command runs here: sh -c touch ran-here");
    expect(refused.stderr).toContain("--yes");
    expect(existsSync(worktree)).toBe(false);
    expect(runFiles(join(clone, ".exprag"))).toHaveLength(1);
  }, 60_000);

  test('one that names this host and a relative folder (".", wherever rerun runs) is still a pulled run', async () => {
    const { clone, id } = await pulledForgery(hostname(), ".");
    const worktree = join(tempDir(), "wt");
    const refused = await runIn(clone, ["rerun", id, "--worktree", worktree]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("was recorded in ., which this store does not serve (a pulled run)");
    expect(existsSync(worktree)).toBe(false);
  }, 60_000);

  test("with --yes it runs, says so, and links nothing outside its worktree", async () => {
    const { clone, id } = await pulledForgery();
    const base = tempDir();
    const worktree = join(base, "wt");
    const result = await runIn(clone, ["rerun", id, "--worktree", worktree, "--yes"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("was recorded on host peer-host");
    expect(existsSync(join(worktree, "ran-here"))).toBe(true);
    expect(readdirSync(base)).toEqual(["wt"]);
    rmSync(join(worktree, "ran-here"));
  }, 60_000);
});

describe("a malformed remote", () => {
  test("a run whose file entry names a tree is skipped and named; the other runs are pulled", async () => {
    const remote = bareRemote();
    const good = "01a00000-0000-7000-8000-0000000000b1";
    const bad = "01a00000-0000-7000-8000-0000000000b2";
    forgeRun(remote, good, { "run.jsonl": recordLine(good, "run_start", { git: null }) });
    // A tree entry whose mode says "file" but whose object is a tree, written byte for byte.
    const inner = plumb(remote, `100644 blob ${plumb(remote, "x", "hash-object", "-w", "--stdin")}\tx\n`, "mktree");
    const raw = Buffer.concat([Buffer.from("100644 run.jsonl\0"), Buffer.from(inner, "hex")]);
    const tree = plumb(remote, raw, "hash-object", "-t", "tree", "--literally", "-w", "--stdin");
    git(remote, "update-ref", `refs/exprag/runs/${bad}`, plumb(remote, "peer\n", "commit-tree", tree));

    const repo = makeRepo();
    const result = await runIn(repo, ["pull", remote, "--json"]);
    expect(result.exitCode).toBe(0);
    const outcome = JSON.parse(result.text);
    expect(outcome.pulled.map((run: { run_id: string }) => run.run_id)).toEqual([good]);
    expect(outcome.kept).toEqual([{ run_id: bad, reason: expect.stringContaining("run.jsonl") }]);
    expect(result.stderr).toContain(`run ${bad.replace(/-/g, "").slice(-8)}: its run.jsonl`);
  }, 60_000);

  test("a snapshot ref that names a blob, not a commit, is not kept here", async () => {
    const remote = bareRemote();
    const id = "01a00000-0000-7000-8000-0000000000b3";
    forgeRun(remote, id, { "run.jsonl": recordLine(id, "run_start", { git: null }) });
    git(remote, "update-ref", `refs/exprag/snapshots/${id}`, plumb(remote, "not a commit", "hash-object", "-w", "--stdin"));
    const repo = makeRepo();
    const result = await runIn(repo, ["pull", remote, "--json"]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.text).pulled.map((run: { run_id: string }) => run.run_id)).toEqual([id]);
    expect(git(repo, "for-each-ref", "refs/exprag/snapshots")).toBe("");
  }, 60_000);
});

describe("a remote's run files that hold no run", () => {
  test("an empty file or one without run_start is not pulled, and says so; the good run is", async () => {
    const remote = bareRemote();
    const [good, empty, garbage] = ["01a00000-0000-7000-8000-0000000000c1", "01a00000-0000-7000-8000-0000000000c2", "01a00000-0000-7000-8000-0000000000c3"];
    forgeRun(remote, good, { "run.jsonl": recordLine(good, "run_start", { git: null }) });
    forgeRun(remote, empty, { "run.jsonl": "" });
    forgeRun(remote, garbage, { "run.jsonl": "garbage\n", "run.log": "output\n" });
    const repo = makeRepo();
    const result = await runIn(repo, ["pull", remote, "--json"]);
    expect(result.exitCode).toBe(0);
    const outcome = JSON.parse(result.text);
    expect(outcome.pulled.map((run: { run_id: string }) => run.run_id)).toEqual([good]);
    expect(outcome.kept).toEqual([
      { run_id: empty, reason: "the remote's run file holds no run (it is empty); not pulled" },
      { run_id: garbage, reason: "the remote's run file holds no run (no run_start record); not pulled" },
    ]);
    expect(runFiles(join(repo, ".exprag")).map(idOf)).toEqual([good]);
    const listed = await runIn(repo, ["ls", "--json"]);
    expect(listed.stderr).toBe("");
  }, 60_000);
});

describe("a remote with many runs", () => {
  test("more runs than the process may open files: all are pulled", async () => {
    const remote = bareRemote();
    const count = 400;
    const ids = Array.from({ length: count }, (_, i) => `01a00000-0000-7000-8000-${i.toString(16).padStart(12, "0")}`);
    // One fast-import for all of them, as a busy shared remote would hold them.
    const stream = ids
      .map((id) => {
        const data = Buffer.from(recordLine(id, "run_start", { git: null }) + recordLine(id, "run_end", { status: "ok", exit_code: 0 }));
        const log = `output of ${id}\n`;
        return `commit refs/exprag/runs/${id}\ncommitter peer <peer@example.com> 0 +0000\ndata 5\npeer\nM 100644 inline run.jsonl\ndata ${data.length}\n${data}\nM 100644 inline output.log\ndata ${log.length}\n${log}\n`;
      })
      .join("");
    plumb(remote, `${stream}done\n`, "fast-import", "--quiet", "--done");
    const repo = makeRepo();
    const result = await shell(`ulimit -n 128 && exec exprag pull ${remote} --json`, { cwd: repo, env: gitEnv });
    expect(result.stderr).not.toContain("EMFILE");
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.text).pulled).toHaveLength(count);
    expect(runFiles(join(repo, ".exprag"))).toHaveLength(count);
  }, 120_000);
});

describe("runs deleted during a push", () => {
  test("are skipped and named; the others are pushed", async () => {
    const repo = makeRepo();
    const remote = bareRemote();
    const runs = join(repo, ".exprag", "runs");
    mkdirSync(runs, { recursive: true });
    const ids = Array.from({ length: 200 }, (_, i) => `01a00000-0000-7000-8000-${i.toString(16).padStart(12, "0")}`);
    const pad = "x".repeat(256 * 1024);
    for (const id of ids) writeFileSync(join(runs, `${id}.jsonl`), recordLine(id, "run_start", { git: null }) + recordLine(id, "track", { pad }));
    const push = Bun.spawn([EXPRAG, "push", remote, "--json"], { cwd: repo, env: cleanEnv(gitEnv), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const packs = join(repo, ".git", "objects", "pack");
    // Once git is writing the pack, most runs are still to come: they go.
    await waitFor(() => existsSync(packs) && readdirSync(packs).some((name) => name.startsWith("tmp_pack")), "git fast-import's pack", 60_000);
    const deleted = ids.slice(10);
    for (const id of deleted) rmSync(join(runs, `${id}.jsonl`), { force: true });
    const [stdout, stderr, code] = await Promise.all([new Response(push.stdout).text(), new Response(push.stderr).text(), push.exited]);
    expect(stderr).not.toContain("ENOENT");
    expect(code).toBe(0);
    const pushed = new Set(JSON.parse(stdout).pushed.map((run: { run_id: string }) => run.run_id));
    const named = deleted.filter((id) => stderr.includes(`run ${id.replace(/-/g, "").slice(-8)}: it was deleted during the push; not pushed`));
    expect(named.length).toBeGreaterThan(0);
    for (const id of ids.slice(0, 10)) expect(pushed.has(id)).toBe(true);
    for (const id of deleted) expect(pushed.has(id) !== named.includes(id)).toBe(true);
    const onRemote = git(remote, "for-each-ref", "--format=%(refname)", "refs/exprag/runs/").split("\n").filter(Boolean);
    expect(onRemote.length).toBe(pushed.size);
  }, 120_000);
});
