/**
 * A store is data that scripts wrote and that people copy and clone: every reader treats it as
 * untrusted. Each test builds its hostile store by hand and checks what the user sees.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, makeRepo, runIn, write } from "./git-harness";
import { EXPRAG, exprag, onlyRun, readRecords, recordLine, runFiles, runStart, tempDir, works, writeOkRun } from "./harness";
import { atTerminal, hasPty } from "./terminal";

const GOOD = "01900000-0000-7000-8000-0000000000a1";
const OTHER = "01900000-0000-7000-8000-0000000000b2";

/** A store in a fresh folder holding one ordinary run, GOOD, with a metric and a log. */
function storeWithOneRun(): { cwd: string; runs: string } {
  const cwd = tempDir();
  const runs = join(cwd, ".exprag", "runs");
  mkdirSync(runs, { recursive: true });
  writeOkRun(runs, GOOD);
  writeFileSync(join(runs, `${GOOD}.log`), "hello\n");
  return { cwd, runs };
}

describe("reading a hostile store", () => {
  test.skipIf(!works("mkfifo", "--version"))("a run file or log that is a FIFO is skipped, never waited on", async () => {
    const { cwd, runs } = storeWithOneRun();
    Bun.spawnSync(["mkfifo", join(runs, `${OTHER}.jsonl`)]);
    for (const args of [
      ["ls", "--json"],
      ["best", "metrics.acc", "--max", "--json"],
      ["paths", "--json"],
    ]) {
      const result = await exprag(args, { cwd, timeoutMs: 30_000 });
      expect({ args, code: result.exitCode }).toEqual({ args, code: 0 });
      expect(result.stderr).toContain(`${OTHER}.jsonl: cannot be read (not a regular file), skipped`);
    }
    expect((await exprag(["values", "metrics.acc", OTHER], { cwd, timeoutMs: 30_000 })).stderr).toContain(
      `${OTHER}.jsonl: cannot be read (not a regular file), skipped`,
    );
    for (const args of [
      ["show", OTHER],
      ["diff", OTHER],
      ["checkout", OTHER, "--worktree", "x"],
      ["compare", OTHER, GOOD],
    ]) {
      const result = await exprag(args, { cwd, timeoutMs: 30_000 });
      expect({ args, code: result.exitCode }).toEqual({ args, code: 1 });
    }
    // The log of a good run, made a FIFO.
    rmFile(join(runs, `${GOOD}.log`));
    Bun.spawnSync(["mkfifo", join(runs, `${GOOD}.log`)]);
    const log = await exprag(["log", GOOD], { cwd, timeoutMs: 30_000 });
    expect(log.exitCode).toBe(1);
    expect(log.stderr).toBe(`exprag: error: cannot read ${join(runs, `${GOOD}.log`)} (not a regular file)\n`);
    const rm = await exprag(["rm", OTHER, "--yes"], { cwd, timeoutMs: 30_000 });
    expect(rm.exitCode).toBe(0);
    expect(existsSync(join(runs, `${OTHER}.jsonl`))).toBe(false);
  });

  test.skipIf(!existsSync("/dev/zero"))("a run file linked to /dev/zero is skipped, not read without end", async () => {
    const { cwd, runs } = storeWithOneRun();
    symlinkSync("/dev/zero", join(runs, `${OTHER}.jsonl`));
    const result = await exprag(["ls", "--json"], { cwd, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.text).map((r: { run_id: string }) => r.run_id)).toEqual([GOOD]);
    expect(result.stderr).toContain(`${OTHER}.jsonl: cannot be read (not a regular file), skipped`);
  });

  test("a record nested 40,000 deep is a parse_error on the way in, and a hand-written one is skipped when read", async () => {
    const cwd = tempDir();
    const deep = `${"[".repeat(40_000)}${"]".repeat(40_000)}`;
    const file = join(cwd, "deep.json");
    writeFileSync(file, `EXPRAG::${deep}\nEXPRAG::{"acc": 0.5}\n`);
    const run = await exprag(["run", "--", "cat", file], { cwd });
    expect(run.exitCode).toBe(0);
    const records = onlyRun(join(cwd, ".exprag"));
    expect(records.filter((r) => r.kind === "parse_error").map((r) => r.value.reason)).toEqual(["nested deeper than 100 levels"]);
    expect(records.filter((r) => r.kind === "track").map((r) => r.value)).toEqual([{ acc: 0.5 }]);
    // Now a file written by hand, with the deep value as a record.
    const { cwd: other, runs } = storeWithOneRun();
    const deepTrack = recordLine(OTHER, "track", { x: "DEEP" }).replace('"DEEP"', deep);
    writeFileSync(join(runs, `${OTHER}.jsonl`), recordLine(OTHER, "run_start", { metadata: {} }) + deepTrack);
    for (const args of [["ls"], ["paths"], ["show", OTHER], ["compare", GOOD, OTHER]]) {
      const result = await exprag([...args, "--json"], { cwd: other });
      expect({ args, code: result.exitCode }).toEqual({ args, code: 0 });
    }
    // The only x is in the skipped line: the run has none that can be read, which is a usage error that says so.
    const values = await exprag(["values", "x", OTHER, "--json"], { cwd: other });
    expect(values.exitCode).toBe(2);
    expect(values.stderr).toContain(`${OTHER}.jsonl:2: skipped a line that is not a JSON record`);
    expect(values.stderr).toContain("the selected run has no x");
    const show = await exprag(["show", OTHER, "--json"], { cwd: other });
    expect(show.stderr).toContain(`${OTHER}.jsonl:2: skipped a line that is not a JSON record`);
  });

  test("a run's id is its file name: a crafted run_id cannot reach a suggested command or another run", async () => {
    const { cwd, runs } = storeWithOneRun();
    const crafted = "evil$(sh .x)";
    writeFileSync(join(runs, `${OTHER}.jsonl`), recordLine(crafted, "run_start", { metadata: {} }) + recordLine(crafted, "track", { metrics: { acc: 0.9 } }));
    // A third file claiming to be GOOD: deleting by the id ls shows must delete that file only.
    const third = "01900000-0000-7000-8000-0000000000c3";
    writeFileSync(join(runs, `${third}.jsonl`), recordLine(GOOD, "run_start", { metadata: {} }));
    const ls = await exprag(["ls", "--json"], { cwd });
    expect(JSON.parse(ls.text).map((r: { run_id: string }) => r.run_id)).toEqual([third, OTHER, GOOD]);
    expect(ls.stderr).toContain(`${OTHER}.jsonl: its records name run "evil$(sh .x)"; it is run ${OTHER}, as its file name says`);
    const compare = await exprag(["compare", OTHER, GOOD, "--json"], { cwd });
    expect(JSON.parse(compare.text).code).toEqual([`exprag diff 000000b2 000000a1`]);
    expect(compare.text).not.toContain("$(");
    expect((await exprag(["rm", "000000c3", "--yes"], { cwd })).exitCode).toBe(0);
    expect([existsSync(join(runs, `${third}.jsonl`)), existsSync(join(runs, `${GOOD}.jsonl`))]).toEqual([false, true]);
  });

  test("terminal escapes a script wrote are shown escaped, in TSV, tables and messages; JSON keeps them exact", async () => {
    const cwd = tempDir();
    const title = "\x1b]0;pwned\x07";
    const clipboard = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07";
    const erase = "\x1b[2J\x1b[1A\r";
    // As a script's JSON encoder writes them: escaped in the JSON text, raw once decoded.
    const payload = JSON.stringify({ metrics: { [`acc${erase}`]: 0.5 }, $note: `done${clipboard}`, $meta: { who: `x${title}` } });
    const script = `printf '%s\\n' 'EXPRAG::${payload}'`;
    await exprag(["run", "--name", `bad${title}`, "--", "sh", "-c", script], { cwd });
    const id = readRecords(runFiles(join(cwd, ".exprag"))[0]!)[0]!
      .run_id.replace(/-/g, "")
      .slice(-8);
    const outputs: string[] = [];
    for (const args of [["ls"], ["show", id], ["paths"], ["values", `metrics.acc${erase}`, id], ["compare", id, id], ["best", "metrics.acc", "--max"]]) {
      const result = await exprag(args, { cwd });
      outputs.push(result.text, result.stderr);
    }
    // A message naming untrusted text: an unknown path is echoed in the warning.
    outputs.push((await exprag(["values", `nope${title}`, id], { cwd })).stderr);
    if (hasPty) for (const args of [["ls"], ["show", id]]) outputs.push((await atTerminal([EXPRAG, ...args], { cwd, env: { NO_COLOR: "1" } })).output);
    for (const text of outputs) expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(outputs.join("")).toContain("bad\\e]0;pwned\\u0007");
    const json = JSON.parse((await exprag(["show", id, "--json"], { cwd })).text);
    expect([json.experiment_name, json.notes[0].note, json.metadata.who]).toEqual([`bad${title}`, `done${clipboard}`, `x${title}`]);
  });

  test("rm deletes what it can: a dangling or unreadable run file goes, a directory is reported, the others are deleted", async () => {
    const { cwd, runs } = storeWithOneRun();
    const dangling = "01900000-0000-7000-8000-0000000000d4";
    const folder = "01900000-0000-7000-8000-0000000000e5";
    symlinkSync("/nonexistent", join(runs, `${dangling}.jsonl`));
    mkdirSync(join(runs, `${folder}.jsonl`));
    writeFileSync(join(runs, `${folder}.jsonl`, "inside"), "x");
    const result = await exprag(["rm", GOOD, dangling, folder, "--yes"], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.text).toBe(`${GOOD}\n${dangling}\n`);
    expect(result.stderr).toContain(`run 000000e5: could not delete ${join(runs, `${folder}.jsonl`)}`);
    expect(result.stderr).toContain("deleted 2 of 3 runs");
    expect([existsSync(join(runs, `${GOOD}.jsonl`)), existsSync(join(runs, `${GOOD}.log`))]).toEqual([false, false]);
  });

  test("rm says so when a snapshot ref could not be deleted, and refuses a running run without --force", async () => {
    const repo = makeRepo();
    write(repo, "train.py", "changed\n");
    await runIn(repo, ["run", "--", "true"]);
    const store = join(repo, ".exprag");
    const id = readRecords(runFiles(store)[0]!)[0]!.run_id;
    // git cannot delete a ref while its lock file exists.
    writeFileSync(join(repo, ".git", "refs", "heads", "run", `${id}.lock`), "");
    const locked = await runIn(repo, ["rm", id, "--yes"]);
    expect(locked.exitCode).toBe(1);
    expect(locked.stderr).toContain(`could not delete its snapshot ref refs/heads/run/${id}`);
    // A run whose writer still lives: this test process stands in for it.
    const live = "01900000-0000-7000-8000-0000000000f6";
    const identity = { host: Bun.spawnSync(["hostname"]).stdout.toString().trim(), pid: process.pid, boot_id: null, start_ticks: null };
    writeFileSync(join(store, "runs", `${live}.jsonl`), recordLine(live, "run_start", { metadata: {}, process: { started: identity } }));
    const refused = await runIn(repo, ["rm", live, "--yes"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe("exprag: error: not deleting: 000000f6 is still running; wait for it to end, or use --force\n");
    expect((await runIn(repo, ["rm", live, "--yes", "--force"])).exitCode).toBe(0);
  });

  test("a recorded commit that is not an object id (HEAD) is no commit: nothing restores today's HEAD instead", async () => {
    const repo = makeRepo();
    const store = join(repo, ".exprag");
    mkdirSync(join(store, "runs"), { recursive: true });
    writeFileSync(
      join(store, "runs", `${GOOD}.jsonl`),
      recordLine(GOOD, "run_start", { metadata: {}, git: { commit: "HEAD", head: "HEAD", dirty: false, snapshot_ref: null } }),
    );
    const result = await runIn(repo, ["checkout", GOOD, "--worktree", join(tempDir(), "wt")]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`exprag: error: run 000000a1 has no recorded commit (the recorded commit "HEAD" is not an object id)\n`);
  });

  test("metric keys named constructor, toString or __proto__ are metrics like any other; keys starting with - can be named after --", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "sh", "-c", `printf '%s\\n' 'EXPRAG::{"constructor": 1, "toString": 2, "__proto__": 3, "-x": 4}'`], { cwd });
    const [run] = JSON.parse((await exprag(["ls", "--json"], { cwd })).text);
    expect(run.metrics).toEqual(JSON.parse('{"constructor": 1, "toString": 2, "__proto__": 3, "-x": 4}'));
    expect(Object.keys(run.metrics)).toEqual(["constructor", "toString", "__proto__", "-x"]);
    const values = JSON.parse((await exprag(["values", "--json", "--", "-x"], { cwd })).text);
    expect(values.map((p: { value: number }) => p.value)).toEqual([4]);
    const ranked = JSON.parse((await exprag(["best", "--max", "--json", "--", "-x"], { cwd })).text);
    expect(ranked[0].value).toBe(4);
  });
});

/** The id of the newest run of the repository's store. */
const idOfLatest = (repo: string) => readRecords(runFiles(join(repo, ".exprag")).sort().at(-1)!)[0]!.run_id;

describe("cloned repositories", () => {
  test("a dangling .exprag/.gitignore link is never written through", async () => {
    const repo = makeRepo();
    const target = join(tempDir(), "global-ignore");
    mkdirSync(join(repo, ".exprag"));
    symlinkSync(target, join(repo, ".exprag", ".gitignore"));
    const result = await runIn(repo, ["run", "--", "true"]);
    expect(result.exitCode).toBe(0);
    expect(existsSync(target)).toBe(false);
  });

  test("a committed .exprag link to another project's store: tag, keep, rm and gc refuse it as run does; --dir writes there on purpose", async () => {
    const victim = makeRepo({ "a.txt": "a\n" });
    expect((await runIn(victim, ["run", "-q", "--", "true"])).exitCode).toBe(0);
    const before = runFiles(join(victim, ".exprag"));
    const repo = makeRepo({ "b.txt": "b\n" });
    symlinkSync(join(victim, ".exprag"), join(repo, ".exprag"));
    for (const args of [["tag", "latest", "x"], ["keep", "latest"], ["rm", "latest", "--yes"], ["gc"]]) {
      const refused = await runIn(repo, args);
      expect({ args, code: refused.exitCode }).toEqual({ args, code: 125 });
      expect(refused.stderr).toContain(`${join(repo, ".exprag")} is a symbolic link`);
    }
    expect(runFiles(join(victim, ".exprag"))).toEqual(before);
    expect(existsSync(join(victim, ".exprag", "annotations"))).toBe(false);
    expect((await runIn(repo, ["tag", "latest", "x", "--dir", ".exprag"])).exitCode).toBe(0);
  });

  test("committed links for the store's outputs, annotations and worktrees folders are never written through", async () => {
    const repo = makeRepo({ "a.txt": "a\n" });
    const outside = tempDir();
    mkdirSync(join(repo, ".exprag", "runs"), { recursive: true });
    for (const folder of ["outputs", "annotations", "worktrees"]) symlinkSync(outside, join(repo, ".exprag", folder));
    const kept = await runIn(repo, ["run", "-q", "--keep-outputs", "--", "sh", "-c", "echo o > out.txt"]);
    expect(kept.exitCode).toBe(0);
    expect(kept.stderr).toContain(`outputs not kept: ${join(repo, ".exprag", "outputs")} is a symbolic link`);
    const tagged = await runIn(repo, ["tag", "latest", "t"]);
    expect(tagged.exitCode).toBe(1);
    expect(tagged.stderr).toContain(`${join(repo, ".exprag", "annotations")} is a symbolic link: exprag would write wherever it points`);
    const swept = await runIn(repo, ["sweep", "-q", "--grid", "x=1", "--", "sh", "-c", "echo {x} > f"]);
    expect(swept.stderr).toContain(`${join(repo, ".exprag", "worktrees")} is a symbolic link`);
    // No outputs were kept through the link: rm deletes the runs and has nothing to go through it for.
    const removed = await runIn(repo, ["rm", "latest", "latest~1", "--yes"]);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(readdir(outside)).toEqual([]);
    // Named on purpose (--dir), the store's folders may lead elsewhere: a bigger disk for kept outputs.
    const named = await runIn(repo, ["run", "-q", "--dir", join(repo, ".exprag"), "--keep-outputs", "--", "sh", "-c", "echo o > out.txt"]);
    expect(named.exitCode, named.stderr).toBe(0);
    expect((await runIn(repo, ["tag", "latest", "t", "--dir", join(repo, ".exprag")])).exitCode).toBe(0);
    expect(readdir(outside).sort()).toEqual([`${idOfLatest(repo)}`, `${idOfLatest(repo)}.jsonl`].sort());
    expect((await runIn(repo, ["rm", "latest", "--yes", "--dir", join(repo, ".exprag")])).exitCode).toBe(0);
    expect(readdir(outside)).toEqual([]);
  });

  test("a committed .exprag/runs link that leaves the work tree is refused; --dir writes there on purpose", async () => {
    const repo = makeRepo();
    const outside = tempDir();
    mkdirSync(join(repo, ".exprag"));
    symlinkSync(outside, join(repo, ".exprag", "runs"));
    const refused = await runIn(repo, ["run", "--", "touch", "started"]);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toBe(
      `exprag: error: ${join(repo, ".exprag", "runs")} is a symbolic link: runs would be written wherever it points; remove it, or pass --dir DIR (or EXPRAG_DIR) to write there on purpose\n`,
    );
    expect(existsSync(join(repo, "started"))).toBe(false);
    expect(runFiles(join(outside, ".."))).toEqual([]);
    expect(readdir(outside)).toEqual([]);
    const chosen = await runIn(repo, ["run", "--dir", join(repo, ".exprag"), "--", "true"]);
    expect(chosen.exitCode).toBe(0);
    expect(readdir(outside).filter((name) => name.endsWith(".jsonl"))).toHaveLength(1);
  });

  test("skill --write refuses a symbolic link, dangling or not", async () => {
    const cwd = tempDir();
    const target = join(tempDir(), "elsewhere.md");
    mkdirSync(join(cwd, "skills", "exprag"), { recursive: true });
    symlinkSync(target, join(cwd, "skills", "exprag", "SKILL.md"));
    const result = await exprag(["skill", "--write", "skills/exprag/SKILL.md", "--force"], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("it is a symbolic link, and exprag does not write through links");
    expect(existsSync(target)).toBe(false);
  });

  test("skill --write refuses a folder or a FIFO where the file goes, in one line, never waiting", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "d", "SKILL.md"), { recursive: true });
    const folder = await exprag(["skill", "--write", "d"], { cwd });
    expect(folder.exitCode).toBe(1);
    expect(folder.stderr).toBe(`exprag: error: not writing ${join(cwd, "d", "SKILL.md")}: it is not a regular file; move it aside, or name another path\n`);
    expect(Bun.spawnSync(["mkfifo", join(cwd, "f.md")]).exitCode).toBe(0);
    const fifo = await exprag(["skill", "--write", "f.md"], { cwd, timeoutMs: 30_000 });
    expect(fifo.exitCode).toBe(1);
    expect(fifo.stderr).toContain("it is not a regular file");
  });

  test("run files and logs are readable by their owner only, and so is the store", async () => {
    const cwd = tempDir();
    await exprag(["run", "--", "echo", "secret-token"], { cwd });
    const file = runFiles(join(cwd, ".exprag"))[0]!;
    expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
    expect((statSync(file.replace(".jsonl", ".log")).mode & 0o777).toString(8)).toBe("600");
    expect((statSync(join(cwd, ".exprag", "runs")).mode & 0o777).toString(8)).toBe("700");
    expect(readFileSync(join(cwd, ".exprag", ".gitignore"), "utf8")).toBe("*\n");
  });
});

test("a run's git record in a cloned repository keeps its code: secrets stay out unless asked for", async () => {
  const repo = makeRepo({ "train.py": "print(1)\n", "config.key": "tracked key\n" });
  write(repo, "config.key", "changed tracked key\n");
  for (const path of [".env", ".env.local", "deploy.pem", "id_rsa", "credentials.json", "notes.txt"]) write(repo, path, `${path}\n`);
  await runIn(repo, ["run", "--", "true"]);
  const state = runStart(onlyRun(join(repo, ".exprag"))).git;
  const inSnapshot = git(repo, "ls-tree", "-r", "--name-only", state.commit).trim().split("\n");
  expect(inSnapshot.sort()).toEqual(["config.key", "notes.txt", "train.py"]);
  expect(state.skipped.map((s: { path: string }) => s.path).sort()).toEqual([".env", ".env.local", "credentials.json", "deploy.pem", "id_rsa"]);
  expect(state.skipped[0].reason).toBe("looks like a secret (untracked); --snapshot-secrets takes it");
  const withSecrets = tempDir();
  await runIn(repo, ["run", "--dir", withSecrets, "--snapshot-secrets", "--", "true"]);
  const all = runStart(onlyRun(withSecrets)).git;
  expect(git(repo, "ls-tree", "-r", "--name-only", all.commit).trim().split("\n")).toContain(".env");
});

function rmFile(path: string): void {
  Bun.spawnSync(["rm", "-f", path]);
}

function readdir(dir: string): string[] {
  return Bun.spawnSync(["ls", "-A", dir]).stdout.toString().split("\n").filter(Boolean);
}
