/**
 * Store files that are not what exprag made (a link, a folder, a file where a folder goes, values
 * out of range) and runs with odd but ordinary contents: each is said in one line or shown
 * plainly; none ends in an internal error, none is read or written through a link.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clonedProject, git, runIn } from "./git-harness";
import { EXPRAG, exprag, readRecords, runFiles, tempDir } from "./harness";

const SECRET = "a secret of this user's\n";

/** A folder with one recorded run; its id and run file. */
async function oneRun(cwd = tempDir(), script = "echo x > out.txt") {
  expect((await exprag(["run", "-q", "--", "sh", "-c", script], { cwd })).exitCode).toBe(0);
  const file = runFiles(join(cwd, ".exprag")).at(-1)!;
  return { cwd, file, id: readRecords(file)[0]!.run_id };
}

const oneLine = (stderr: string) => stderr.trim().split("\n");

describe("store files that are not what exprag made", () => {
  test("tag, note, keep and discard refuse an annotations file that is a link, a folder, or a file where the folder goes", async () => {
    const { cwd, id } = await oneRun();
    const annotations = join(cwd, ".exprag", "annotations");
    const secret = join(tempDir(), "secret");
    writeFileSync(secret, SECRET);
    const cases: [string, () => void][] = [
      [
        "a link",
        () => {
          mkdirSync(annotations, { recursive: true });
          symlinkSync(secret, join(annotations, `${id}.jsonl`));
        },
      ],
      ["a folder", () => mkdirSync(join(annotations, `${id}.jsonl`), { recursive: true })],
      ["a file for the folder", () => writeFileSync(annotations, "")],
    ];
    for (const [what, make] of cases) {
      rmSync(annotations, { recursive: true, force: true });
      make();
      for (const args of [
        ["tag", "latest", "best"],
        ["note", "latest", "a note"],
        ["keep", "latest"],
        ["discard", "latest", "--because", "worse"],
      ]) {
        const result = await exprag(args, { cwd });
        expect({ what, args, code: result.exitCode, lines: oneLine(result.stderr).length }).toEqual({ what, args, code: 1, lines: 1 });
        expect(result.stderr).toStartWith("exprag: error: cannot write ");
      }
    }
    expect(readFileSync(secret, "utf8")).toBe(SECRET);
  });

  test("a project notes file that is a folder or a link is skipped by brief with a warning, and not written", async () => {
    const { cwd } = await oneRun();
    const notes = join(cwd, ".exprag", "project-notes.jsonl");
    const secret = join(tempDir(), "secret.jsonl");
    writeFileSync(secret, `${JSON.stringify({ kind: "project_note", value: { id: "aaaaaaaa", text: "from the linked file" } })}\n`);
    for (const make of [() => mkdirSync(notes), () => symlinkSync(secret, notes)]) {
      rmSync(notes, { recursive: true, force: true });
      make();
      const brief = await exprag(["brief", "--json"], { cwd });
      expect(brief.exitCode).toBe(0);
      expect(JSON.parse(brief.text).notes).toEqual([]);
      expect(brief.stderr).toContain(`${notes}: cannot be read (`);
      const write = await exprag(["note", "--project", "an idea"], { cwd });
      expect([write.exitCode, oneLine(write.stderr).length]).toEqual([1, 1]);
      expect(write.stderr).toStartWith(`exprag: error: cannot write ${notes} (`);
    }
  });

  test("a tag the run has that exprag would not give (a copied store's) can be taken off; a new one is still checked", async () => {
    const { cwd, id } = await oneRun();
    const line = JSON.stringify({ schema_version: 1, run_id: id, kind: "tag", value: { tags: ["has space"] }, created_at: "2026-01-01T00:00:00.000Z" });
    mkdirSync(join(cwd, ".exprag", "annotations"), { recursive: true });
    writeFileSync(join(cwd, ".exprag", "annotations", `${id}.jsonl`), `${line}\n`);
    expect(JSON.parse((await exprag(["show", id, "--json"], { cwd })).text).tags).toEqual(["has space"]);
    const removed = await exprag(["tag", id, "--remove", "has space", "--json"], { cwd });
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(JSON.parse(removed.text).tags).toEqual([]);
    const added = await exprag(["tag", id, "has space"], { cwd });
    expect(added.exitCode).toBe(2);
    expect(added.stderr).toContain("'has space' is not a tag");
  });

  test("a store that is a file is said to be one, not read as an empty store", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, ".exprag"), "");
    for (const args of [["ls"], ["show", "latest"]]) {
      const result = await exprag(args, { cwd });
      expect([result.exitCode, result.stderr]).toEqual([
        1,
        `exprag: error: the store ${join(cwd, ".exprag")} is not a folder; move the file out of the way, or name another store with --dir or EXPRAG_DIR\n`,
      ]);
    }
    // A run cannot write there: exprag's own failure (125), the command never started, the file untouched.
    const run = await exprag(["run", "--", "sh", "-c", "touch started"], { cwd });
    expect([run.exitCode, run.stderr]).toEqual([
      125,
      `exprag: error: cannot write the run store ${join(cwd, ".exprag")}: it, or a folder on its path, is a file; move the file out of the way, or name another store with --dir or EXPRAG_DIR\n`,
    ]);
    expect(existsSync(join(cwd, "started"))).toBe(false);
    expect(readFileSync(join(cwd, ".exprag"), "utf8")).toBe("");
  });

  test("a run's log that is a link is not read: log refuses it and push leaves the run", async () => {
    const { a, bare } = clonedProject();
    const { file, id } = await oneRun(a, "echo hello");
    const secret = join(tempDir(), "secret");
    writeFileSync(secret, SECRET);
    const log = file.replace(/\.jsonl$/, ".log");
    rmSync(log);
    symlinkSync(secret, log);
    for (const args of [
      ["log", "latest"],
      ["log", "latest", "--json"],
    ]) {
      const result = await runIn(a, args);
      expect({ args, code: result.exitCode, stdout: result.text }).toEqual({ args, code: 1, stdout: "" });
      expect(result.stderr).toBe(`exprag: error: cannot read ${log} (not a regular file)\n`);
    }
    const notes = join(a, ".exprag", "project-notes.jsonl");
    symlinkSync(secret, notes);
    const pushed = await runIn(a, ["push"]);
    expect(pushed.stderr).toContain(`run ${id.slice(-8)}: cannot read its files (not a regular file); not pushed`);
    expect(pushed.stderr).toContain(`${notes}: cannot be read (not a regular file); the project notes are not pushed`);
    expect(git(bare, "for-each-ref", "--format=%(refname)", "refs/exprag/")).toBe("");
    expect(git(bare, "for-each-ref", "--format=%(refname)", "refs/exprag/runs/")).toBe("");
    const blob = Bun.spawnSync(["git", "hash-object", "--stdin"], { stdin: Buffer.from(SECRET) })
      .stdout.toString()
      .trim();
    expect(Bun.spawnSync(["git", "--git-dir", bare, "cat-file", "-e", blob]).exitCode).not.toBe(0);
  });
});

describe("runs with odd but ordinary contents", () => {
  test("an output's modification time no date can hold shows as ?", async () => {
    const { cwd, file } = await oneRun();
    writeFileSync(file, readFileSync(file, "utf8").replace(/"mtime_ms":[0-9.e+]+/, '"mtime_ms":1e20'));
    const result = await exprag(["outputs", "latest"], { cwd });
    expect([result.exitCode, result.stderr]).toEqual([0, ""]);
    expect(result.text).toMatch(/^out\.txt\t2\t\?\tcurrent\t$/m);
  });

  test("plot labels runs by a parameter named like one of Object's (constructor)", async () => {
    const cwd = tempDir();
    const track = (acc: number) => `echo "EXPRAG::{\\"metrics\\":{\\"acc\\":${acc}}}"`;
    await exprag(["run", "-q", "--", "sh", "-c", track(0.5), "x", "--lr", "0.1"], { cwd });
    await exprag(["run", "-q", "--", "sh", "-c", track(0.6), "x", "--constructor", "3"], { cwd });
    const result = await exprag(["plot", "metrics.acc", "latest", "latest~1", "--json"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.text).map((run: { label: string }) => run.label)).toEqual(["constructor=3 lr=-", "constructor=- lr=0.1"]);
  });

  test("log --follow ends at a run_end whose status this exprag does not know", async () => {
    const { cwd, file } = await oneRun(tempDir(), "echo hello");
    writeFileSync(file, readFileSync(file, "utf8").replace('"status":"ok"', '"status":"archived"'));
    await using proc = Bun.spawn([EXPRAG, "log", "latest", "--follow"], { cwd, stdout: "pipe", stderr: "pipe", timeout: 30_000, killSignal: "SIGKILL" });
    const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect([code, text]).toEqual([0, "hello\n"]);
  });

  test("compare takes --all and --limit as its selection", async () => {
    const cwd = tempDir();
    for (const lr of ["0.1", "0.2", "0.3"]) await exprag(["run", "-q", "--", "sh", "-c", "true", "x", "--lr", lr], { cwd });
    for (const [args, count] of [
      [["--all"], 3],
      [["--limit", "2"], 2],
    ] as const) {
      const result = await exprag(["compare", ...args, "--json"], { cwd });
      expect({ args, code: result.exitCode }).toEqual({ args, code: 0 });
      expect(JSON.parse(result.text).runs).toHaveLength(count);
    }
  });
});
