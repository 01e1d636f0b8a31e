/**
 * exprag push and pull between two clones of one repository, through a bare remote on disk and
 * through git's own network protocol (git daemon on 127.0.0.1): runs arrive byte for byte with
 * their code, grown runs fast-forward, nothing new moves nothing, diverged files are kept.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { clonedProject, git, gitEnv, makeRepo, runIn, workTreeFiles, write } from "./git-harness";
import { cleanEnv, EXPRAG, readRecords, runFiles, shellWaitFor, tempDir, waitFor } from "./harness";
import { atTerminal, hasPty } from "./terminal";

const emit = (value: unknown) => `echo 'EXPRAG::${JSON.stringify(value)}'`;

const project = () => clonedProject();

const runsOf = (clone: string) => join(clone, ".exprag", "runs");
const idOf = (clone: string, name: string) =>
  runFiles(join(clone, ".exprag"))
    .map((file) => readRecords(file)[0]!)
    .find((record) => record.experiment_name === name)!.run_id;
const bytes = (path: string) => readFileSync(path);

async function ok(cwd: string, args: string[]) {
  const result = await runIn(cwd, args);
  if (result.exitCode !== 0) throw new Error(`exprag ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

/** Runs in clone A: clean, failed, one still running (until `stop` is created), and dirty. */
async function recordRuns(a: string) {
  await ok(a, ["run", "--name", "clean", "--", "sh", "-c", `${emit({ metrics: { acc: 0.5 } })}; echo clean output`]);
  expect((await runIn(a, ["run", "--name", "failed", "--", "sh", "-c", `${emit({ metrics: { acc: 0.1 } })}; exit 3`])).exitCode).toBe(3);
  const stop = join(a, "..", "stop");
  // --no-system: on a loaded machine a sample every 10 s would grow the file between two pushes.
  const running = Bun.spawn(
    [EXPRAG, "run", "--name", "running", "--no-system", "--", "sh", "-c", `${emit({ step: 1 })}; ${shellWaitFor(stop)}; ${emit({ step: 2 })}`],
    {
      cwd: a,
      env: cleanEnv(gitEnv),
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    },
  );
  await waitFor(() => runFiles(join(a, ".exprag")).some((file) => readFileSync(file, "utf8").includes('"step":1')), "the running run's first record");
  write(a, "train.py", "lr = 0.03\n");
  write(a, "notes.txt", "a lower lr\n");
  await ok(a, ["run", "--name", "dirty", "--", "sh", "-c", emit({ metrics: { acc: 0.9 } })]);
  const dirtyCode = workTreeFiles(a);
  git(a, "checkout", "-q", "--", "train.py");
  rmSync(join(a, "notes.txt"));
  const finish = async () => {
    writeFileSync(stop, "");
    expect(await running.exited).toBe(0);
  };
  return { dirtyCode, finish };
}

async function roundTrip(a: string, b: string, remote: string) {
  const { dirtyCode, finish } = await recordRuns(a);
  const ids = Object.fromEntries(["clean", "failed", "running", "dirty"].map((name) => [name, idOf(a, name)])) as Record<string, string>;

  const pushed = await ok(a, ["push", remote, "--json"]);
  const first = JSON.parse(pushed.text);
  expect(first.remote).toBe(remote);
  expect(first.pushed.map((run: { run_id: string }) => run.run_id).sort()).toEqual(Object.values(ids).sort());
  expect(first.pushed.every((run: { grew: boolean }) => run.grew === false)).toBe(true);
  expect(first.pushed.find((run: { run_id: string }) => run.run_id === ids.dirty).snapshot).toBe(`refs/exprag/snapshots/${ids.dirty}`);
  expect(first.pushed.find((run: { run_id: string }) => run.run_id === ids.clean).snapshot).toBe(null);
  expect(first.up_to_date).toBe(0);

  const pulled = JSON.parse((await ok(b, ["pull", remote, "--json"])).text);
  expect(pulled.pulled.map((run: { run_id: string }) => run.run_id).sort()).toEqual(Object.values(ids).sort());
  expect(pulled.grown).toEqual([]);
  expect(pulled.kept).toEqual([]);
  for (const id of Object.values(ids)) {
    expect(bytes(join(runsOf(b), `${id}.jsonl`))).toEqual(bytes(join(runsOf(a), `${id}.jsonl`)));
    expect(bytes(join(runsOf(b), `${id}.log`))).toEqual(bytes(join(runsOf(a), `${id}.log`)));
  }

  // Pulled runs are ordinary runs.
  const target = join(tempDir(), "restored");
  await ok(b, ["checkout", ids.dirty!, "--worktree", target]);
  expect(workTreeFiles(target)).toEqual(dirtyCode);
  const best = JSON.parse((await ok(b, ["best", "metrics.acc", "--max", "--json"])).text);
  expect(best[0].run_id).toBe(ids.dirty);
  expect((await ok(b, ["diff", ids.clean!, ids.dirty!, "--stat"])).text).toContain("train.py");
  const listed = (await ok(b, ["ls", "--columns", "name,status", "--color", "never"])).text;
  expect(listed).toContain("failed\tfailed");
  expect(listed).toContain("running\trunning");

  // Nothing new: nothing moves, and both say so.
  const again = await ok(a, ["push", remote, "--json"]);
  expect(JSON.parse(again.text)).toEqual({ remote, pushed: [], up_to_date: 4, rejected: [], project_notes: null });
  expect((await ok(a, ["push", remote])).stderr).toContain(`nothing to push: ${remote} has all 4 runs`);
  const refsBefore = git(b, "for-each-ref");
  const still = await ok(b, ["pull", remote]);
  expect(still.text).toBe("");
  expect(still.stderr).toContain(`nothing to pull from ${remote}: 4 up to date`);
  expect(git(b, "for-each-ref")).toBe(refsBefore);

  // The running run ends; its grown file arrives as a fast-forward.
  await finish();
  const grown = JSON.parse((await ok(a, ["push", remote, "--json"])).text);
  expect(grown.pushed.map((run: { run_id: string; grew: boolean }) => [run.run_id, run.grew])).toEqual([[ids.running, true]]);
  expect(grown.up_to_date).toBe(3);
  const arrived = JSON.parse((await ok(b, ["pull", remote, "--json"])).text);
  expect(arrived.grown.map((run: { run_id: string }) => run.run_id)).toEqual([ids.running]);
  expect(arrived.up_to_date).toBe(3);
  expect(bytes(join(runsOf(b), `${ids.running}.jsonl`))).toEqual(bytes(join(runsOf(a), `${ids.running}.jsonl`)));
  expect(readRecords(join(runsOf(b), `${ids.running}.jsonl`)).at(-1)!.kind).toBe("run_end");

  // A run file here that the remote's does not extend is kept, and the warning says what to do.
  const mine = join(runsOf(b), `${ids.failed}.jsonl`);
  const edited = readFileSync(mine, "utf8").replace('"acc":0.1', '"acc":0.2');
  writeFileSync(mine, edited);
  const diverged = await ok(b, ["pull", remote, "--json"]);
  expect(JSON.parse(diverged.text).kept.map((run: { run_id: string }) => run.run_id)).toEqual([ids.failed]);
  expect(diverged.stderr).toContain(`run ${ids.failed!.replace(/-/g, "").slice(-8)}: its run file here differs from the remote's`);
  expect(diverged.stderr).toContain(`move ${mine} aside and pull again`);
  expect(readFileSync(mine, "utf8")).toBe(edited);

  // The clone that recorded the runs pulls them back as they are; its snapshots keep their run/<id>.
  expect((await ok(a, ["pull", remote])).stderr).toContain(`nothing to pull from ${remote}: 4 up to date`);
  expect(git(a, "for-each-ref", "refs/exprag/snapshots")).toBe("");
  return ids;
}

describe("exprag push and pull", () => {
  test("through a bare repository on disk: runs arrive byte for byte with their code, grow, and diverged files are kept", async () => {
    const { a, b } = project();
    await roundTrip(a, b, "origin");
  }, 60_000);

  test("only exprag's refs move on the remote: never a branch, never a tag", async () => {
    const { a, bare } = project();
    const before = git(bare, "for-each-ref", "refs/heads", "refs/tags");
    write(a, "train.py", "lr = 0.5\n");
    git(a, "commit", "-qam", "unpushed work");
    await ok(a, ["run", "--name", "x", "--", "true"]);
    await ok(a, ["push"]);
    expect(git(bare, "for-each-ref", "refs/heads", "refs/tags")).toBe(before);
    const refs = git(bare, "for-each-ref", "--format=%(refname)").split("\n").filter(Boolean);
    expect(refs.filter((ref) => !ref.startsWith("refs/heads/"))).toEqual([`refs/exprag/runs/${idOf(a, "x")}`]);
    // A clean run's code goes along with it: its first commit's parent is the run's commit.
    const code = readRecords(runFiles(join(a, ".exprag"))[0]!)[0]!.value.git.commit;
    expect(git(bare, "rev-parse", `refs/exprag/runs/${idOf(a, "x")}^`).trim()).toBe(code);
    expect(git(bare, "log", "-1", "--format=%an <%ae> %cn <%ce>", `refs/exprag/runs/${idOf(a, "x")}`).trim()).toBe(
      "exprag <exprag@localhost> exprag <exprag@localhost>",
    );
  });

  test("annotations merge both ways: a push that does not extend the remote's is refused until a pull", async () => {
    const { a, b } = project();
    await ok(a, ["run", "--name", "x", "--", "true"]);
    const id = idOf(a, "x");
    await ok(a, ["push"]);
    await ok(b, ["pull"]);
    await ok(a, ["tag", id, "from-a"]);
    await ok(b, ["tag", id, "from-b"]);
    await ok(b, ["push"]);
    const refused = await runIn(a, ["push"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("the remote holds a version of this run that this one does not extend");
    expect(refused.stderr).toContain("exprag pull origin first, then push again");
    await ok(a, ["pull"]);
    await ok(a, ["push"]);
    await ok(b, ["pull"]);
    for (const clone of [a, b]) {
      const shown = JSON.parse((await ok(clone, ["show", id, "--json"])).text);
      expect(shown.tags.sort()).toEqual(["from-a", "from-b"]);
    }
    const lines = (clone: string) =>
      readFileSync(join(runsOf(clone), "..", "annotations", `${id}.jsonl`), "utf8")
        .split("\n")
        .filter(Boolean);
    expect(lines(a).length).toBe(2);
    expect(lines(b).sort()).toEqual(lines(a).sort());
    // The clones hold the same lines in another order: the same version. More rounds move nothing, and never refuse.
    expect(lines(b)).not.toEqual(lines(a));
    const remoteRef = () => git(a, "ls-remote", "origin", `refs/exprag/runs/${id}`).split("\t")[0];
    const settled = remoteRef();
    for (const clone of [b, a, b, a]) {
      expect(JSON.parse((await ok(clone, ["pull", "--json"])).text)).toMatchObject({ pulled: [], grown: [], kept: [] });
      expect(JSON.parse((await ok(clone, ["push", "--json"])).text).pushed).toEqual([]);
    }
    expect(remoteRef()).toBe(settled);
  }, 60_000);

  test("project notes added on both sides settle: once each holds them all, a push moves nothing", async () => {
    const { a, b } = project();
    await ok(a, ["run", "-q", "--", "true"]);
    await ok(b, ["run", "-q", "--", "true"]);
    await ok(b, ["note", "--project", "from b"]);
    await ok(a, ["note", "--project", "from a"]);
    await ok(a, ["push"]);
    await ok(b, ["pull"]);
    await ok(b, ["push"]);
    await ok(a, ["pull"]);
    const notesRef = () => git(a, "ls-remote", "origin", "refs/exprag/project/notes").split("\t")[0];
    const settled = notesRef();
    for (const clone of [a, b, a, b]) {
      await ok(clone, ["pull"]);
      expect((await ok(clone, ["push"])).stderr).not.toContain("pushed the project notes");
    }
    expect(notesRef()).toBe(settled);
    for (const clone of [a, b]) expect((await ok(clone, ["note", "--project", "--json"])).text).toContain("from a");
  }, 60_000);

  test("a remote whose hook refuses a push is not answered with 'pull first', which cannot help", async () => {
    const { a } = project();
    await ok(a, ["run", "-q", "--", "true"]);
    const bare = git(a, "remote", "get-url", "origin").trim();
    write(bare, "hooks/pre-receive", "#!/bin/sh\necho 'pushes are closed today' >&2\nexit 1\n");
    chmodSync(join(bare, "hooks", "pre-receive"), 0o755);
    const refused = await runIn(a, ["push"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("see why each was not pushed, above");
    expect(refused.stderr).not.toContain("exprag pull origin first");
  }, 60_000);

  test("a store of project notes and no run pushes its notes", async () => {
    const { a, b } = project();
    await ok(a, ["note", "--project", "an idea before any run"]);
    const pushed = await ok(a, ["push"]);
    expect(pushed.stderr).toContain("pushed the project notes to origin");
    expect(pushed.stderr).not.toContain("nothing to push");
    await ok(b, ["pull"]);
    expect((await ok(b, ["note", "--project", "--json"])).text).toContain("an idea before any run");
  }, 60_000);

  test("the selection picks the runs; --no-log leaves the log behind", async () => {
    const { a, b, bare } = project();
    await ok(a, ["run", "--name", "keep-me", "--", "echo", "hi"]);
    await ok(a, ["run", "--name", "other", "--", "echo", "hi"]);
    const pushed = JSON.parse((await ok(a, ["push", "--name", "keep-*", "--no-log", "--json"])).text);
    expect(pushed.pushed.map((run: { run_id: string }) => run.run_id)).toEqual([idOf(a, "keep-me")]);
    const tree = (id: string) => git(bare, "ls-tree", "--name-only", `refs/exprag/runs/${id}`).split("\n").filter(Boolean);
    expect(tree(idOf(a, "keep-me"))).toEqual(["run.jsonl"]);
    const again = JSON.parse((await ok(a, ["push", "--json"])).text);
    expect(again.pushed.map((run: { run_id: string; grew: boolean }) => [run.run_id, run.grew])).toEqual([
      [idOf(a, "keep-me"), true],
      [idOf(a, "other"), false],
    ]);
    expect(tree(idOf(a, "keep-me"))).toEqual(["output.log", "run.jsonl"]);
    const pulled = JSON.parse((await ok(b, ["pull", "--name", "other", "--json"])).text);
    expect(pulled.pulled.map((run: { run_id: string }) => run.run_id)).toEqual([idOf(a, "other")]);
    expect(pulled.not_selected).toBe(1);
    expect(existsSync(join(runsOf(b), `${idOf(a, "keep-me")}.jsonl`))).toBe(false);
    await ok(b, ["pull", "origin", idOf(a, "keep-me").slice(0, 13)]);
    expect(existsSync(join(runsOf(b), `${idOf(a, "keep-me")}.log`))).toBe(true);

    // Pushed with its log once, a run's history holds the log: --no-log to a remote that lacks it refuses, rather than send it.
    const other = join(tempDir(), "other.git");
    git(tempDir(), "init", "-q", "--bare", other);
    const refused = await runIn(a, ["push", other, "--no-log", "--json"]);
    expect(refused.exitCode).toBe(1);
    expect(JSON.parse(refused.text).rejected.map((run: { run_id: string }) => run.run_id)).toEqual([idOf(a, "keep-me"), idOf(a, "other")]);
    expect(refused.stderr).toContain("which --no-log would send all the same");
    expect(git(other, "for-each-ref", "refs/exprag/runs")).toBe("");
    // A run never pushed with its log goes there without it.
    await ok(a, ["run", "--name", "fresh", "--", "echo", "hi"]);
    await runIn(a, ["push", other, "--no-log", "--name", "fresh"]);
    expect(git(other, "ls-tree", "--name-only", `refs/exprag/runs/${idOf(a, "fresh")}`)).toBe("run.jsonl\n");
    // To the remote that has it already, a grown run goes with --no-log: no log it lacks.
    await ok(a, ["push", "--no-log"]);
  }, 60_000);

  test("pull selects by the remote's tags and decisions too", async () => {
    const { a, b } = project();
    for (const name of ["n1", "n2", "n3"]) await ok(a, ["run", "-q", "--name", name, "--", "true"]);
    await ok(a, ["tag", idOf(a, "n3"), "sweep:x"]);
    await ok(a, ["keep", idOf(a, "n2"), "--because", "the one"]);
    await ok(a, ["push"]);
    const tagged = JSON.parse((await ok(b, ["pull", "--tag", "sweep:x", "--json"])).text);
    expect(tagged.pulled.map((run: { run_id: string }) => run.run_id)).toEqual([idOf(a, "n3")]);
    const kept = JSON.parse((await ok(b, ["pull", "--where", "decision = keep", "--json"])).text);
    expect(kept.pulled.map((run: { run_id: string }) => run.run_id)).toEqual([idOf(a, "n2")]);
  }, 60_000);

  test("gc keeps the refs of pulled runs, and rm takes them with the run", async () => {
    const { a, b } = project();
    write(a, "train.py", "lr = 0.2\n");
    await ok(a, ["run", "--name", "dirty", "--", "true"]);
    const id = idOf(a, "dirty");
    await ok(a, ["push"]);
    await ok(b, ["pull"]);
    const refs = () => git(b, "for-each-ref", "--format=%(refname)", "refs/exprag/runs", "refs/exprag/snapshots").split("\n").filter(Boolean);
    expect(refs()).toEqual([`refs/exprag/runs/${id}`, `refs/exprag/snapshots/${id}`]);
    const gc = await ok(b, ["gc"]);
    expect(gc.text).toBe("");
    expect(refs()).toEqual([`refs/exprag/runs/${id}`, `refs/exprag/snapshots/${id}`]);
    rmSync(join(runsOf(b), `${id}.jsonl`));
    expect((await ok(b, ["gc"])).text).toBe(`refs/exprag/runs/${id}\nrefs/exprag/snapshots/${id}\n`);
    await ok(b, ["pull"]);
    expect(refs().length).toBe(2);
    await ok(b, ["rm", id, "--yes"]);
    expect(refs()).toEqual([]);
  }, 60_000);

  test("gc of one store keeps the refs of a run pulled into another store of the repository", async () => {
    const { a, b } = project();
    write(a, "train.py", "lr = 0.2\n");
    await ok(a, ["run", "--name", "dirty", "--", "true"]);
    const id = idOf(a, "dirty");
    await ok(a, ["push"]);
    write(b, ".exprag.toml", 'dir = "exp/.exprag"\n');
    await ok(b, ["pull"]);
    expect(existsSync(join(b, "exp", ".exprag", "runs", `${id}.jsonl`))).toBe(true);
    const refs = () => git(b, "for-each-ref", "--format=%(refname)", "refs/exprag/runs", "refs/exprag/snapshots").split("\n").filter(Boolean);
    const other = await ok(b, ["gc", "--dir", join(b, "other")]);
    expect(other.text).toBe("");
    expect(refs()).toEqual([`refs/exprag/runs/${id}`, `refs/exprag/snapshots/${id}`]);
  }, 60_000);

  test.skipIf(!hasPty)(
    "git's progress shows at a terminal, and not through a pipe",
    async () => {
      const { a, b } = project();
      await ok(a, ["run", "--name", "x", "--", "echo", "hi"]);
      const shown = await atTerminal([EXPRAG, "push"], { cwd: a, env: gitEnv });
      expect(shown.exitCode).toBe(0);
      expect(shown.output).toContain("Writing objects: 100%");
      expect(shown.output).toContain("pushed 1 run to origin");
      const piped = await runIn(b, ["pull"]);
      expect(piped.stderr).not.toContain("Receiving objects");
      expect(piped.stderr).toBe("exprag: pulled 1 new run from origin; 0 up to date\n");
    },
    60_000,
  );

  test("with no remote to use, it says how to name one", async () => {
    const repo = makeRepo();
    await ok(repo, ["run", "--", "true"]);
    const result = await runIn(repo, ["push"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("this repository has no remote to use");
    expect(result.stderr).toContain("git remote add origin URL");
  });

  test("a run named where the remote goes is a usage error that shows the order", async () => {
    const { a } = project();
    await ok(a, ["run", "--", "true"]);
    const result = await runIn(a, ["push", "latest"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("exprag: error: 'latest' is not a remote: it looks like a run; the remote comes first: exprag push origin latest\n");
  });

  test("a remote that cannot be reached fails with git's words, in one line", async () => {
    const repo = makeRepo();
    await ok(repo, ["run", "--", "true"]);
    const missing = join(tempDir(), "nowhere.git");
    for (const command of ["push", "pull"]) {
      const result = await runIn(repo, [command, missing]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(`git ${command === "push" ? "push to" : "fetch from"} ${missing} failed`);
    }
  });
});

/** git daemon's program, where this git has it. */
const daemonProgram = (() => {
  const execPath = Bun.spawnSync(["git", "--exec-path"]).stdout.toString().trim();
  return execPath && existsSync(join(execPath, "git-daemon")) ? join(execPath, "git-daemon") : null;
})();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

async function accepts(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

const daemons: { kill(): void }[] = [];
afterAll(() => {
  for (const daemon of daemons) daemon.kill();
});

describe("exprag push and pull over git's network protocol", () => {
  test.skipIf(daemonProgram === null)(
    "through git daemon on 127.0.0.1: the same round trip",
    async () => {
      const { root, a, b } = project();
      const port = await freePort();
      const daemon = Bun.spawn(
        ["git", "daemon", "--reuseaddr", `--base-path=${root}`, "--export-all", "--enable=receive-pack", `--port=${port}`, "--listen=127.0.0.1", root],
        { env: cleanEnv(gitEnv), stdin: "ignore", stdout: "ignore", stderr: "ignore" },
      );
      daemons.push(daemon);
      try {
        const deadline = performance.now() + 10_000;
        while (!(await accepts(port))) {
          if (performance.now() > deadline) throw new Error("git daemon did not start listening");
          await Bun.sleep(20);
        }
        await roundTrip(a, b, `git://127.0.0.1:${port}/remote.git`);
      } finally {
        daemon.kill();
        await daemon.exited;
      }
    },
    60_000,
  );
});
