import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { git, gitEnv, makeRepo, runIn, write } from "./git-harness";
import { EXPRAG, madeOnce, tempDir } from "./harness";
import { atTerminal, hasPty } from "./terminal";

const HOSTILE = "x\x1b]0;pwned\x07y \x1b[31mred\x1b[0m\n";

/** A repository with one committed run and, after it, one run of uncommitted changes. */
async function twoRuns() {
  const repo = makeRepo({ "src/train.py": "print(1)\n", "README.md": "# project\n" });
  await runIn(repo, ["run", "--", "true"]);
  write(repo, "src/train.py", "print(2)\n");
  write(repo, "notes.txt", HOSTILE);
  write(repo, "weights.bin", Buffer.from([0, 1, 2, 255]));
  await runIn(repo, ["run", "--", "sh", "-c", "printf 'step 1\\n\\033]52;c;Zm9v\\007done\\n'"]);
  const [dirty, clean] = JSON.parse((await runIn(repo, ["ls", "--json"])).text) as { run_id: string; short_id: string; commit: string }[];
  // The work tree moves on: cat and files read the runs' commits, never the files here.
  write(repo, "src/train.py", "print(3)\n");
  return { repo, dirty: dirty!, clean: clean! };
}

/** The same `twoRuns()` for the tests that only read it. */
const readOnlyTwoRuns = madeOnce(twoRuns);

describe("exprag cat", () => {
  test("prints a file as the run had it, from the current directory, exact bytes to a pipe", async () => {
    const { repo, dirty, clean } = await readOnlyTwoRuns();
    expect((await runIn(repo, ["cat", "latest", "src/train.py"])).text).toBe("print(2)\n");
    expect((await runIn(join(repo, "src"), ["cat", "latest", "train.py"])).text).toBe("print(2)\n");
    expect((await runIn(join(repo, "src"), ["cat", clean.short_id, "./train.py"])).text).toBe("print(1)\n");
    expect((await runIn(join(repo, "src"), ["cat", "latest", "../notes.txt"])).text).toBe(HOSTILE);
    const binary = await runIn(repo, ["cat", dirty.short_id, "weights.bin"]);
    expect(binary.exitCode).toBe(0);
    expect(Buffer.from(binary.stdout as unknown as Uint8Array)).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  test("a folder lists its entries; --json carries text, or base64 for a binary file", async () => {
    const { repo, dirty } = await readOnlyTwoRuns();
    expect((await runIn(repo, ["cat", "latest", "."])).text).toBe("README.md\nnotes.txt\nsrc/\ntrain.py\nweights.bin\n".replace("train.py\n", ""));
    const text = JSON.parse((await runIn(repo, ["cat", "latest", "src/train.py", "--json"])).text);
    expect(text).toEqual({
      run_id: dirty.run_id,
      commit: dirty.commit,
      path: "src/train.py",
      kind: "file",
      size: 9,
      executable: false,
      binary: false,
      text: "print(2)\n",
    });
    const binary = JSON.parse((await runIn(repo, ["cat", "latest", "weights.bin", "--json"])).text);
    expect([binary.binary, Buffer.from(binary.base64, "base64")]).toEqual([true, Buffer.from([0, 1, 2, 255])]);
    const folder = JSON.parse((await runIn(repo, ["cat", "latest", "src", "--json"])).text);
    expect(folder.entries).toEqual([{ name: "train.py", kind: "file", size: 9 }]);
  });

  test("a path the run lacks, or one outside the repository, is a one-line error", async () => {
    const { repo, clean } = await readOnlyTwoRuns();
    const missing = await runIn(repo, ["cat", clean.short_id, "notes.txt"]);
    expect([missing.exitCode, missing.stdout.length, missing.stderr]).toEqual([
      1,
      0,
      `exprag: error: the code of run ${clean.short_id} has no notes.txt; its files: exprag files ${clean.short_id}\n`,
    ]);
    const outside = await runIn(repo, ["cat", "latest", "../elsewhere.txt"]);
    expect([outside.exitCode, outside.stderr]).toEqual([2, `exprag: error: '../elsewhere.txt' is outside the repository (${repo})\n`]);
    const noRun = await runIn(repo, ["cat", "ffffffff", "README.md"]);
    expect(noRun.exitCode).toBe(1);
    expect(noRun.stderr).toStartWith("exprag: error: no run matches 'ffffffff'");
  });

  test.skipIf(!hasPty)("at a terminal a text file's controls show as escapes, colours stay, and a binary file is refused", async () => {
    const { repo, dirty } = await readOnlyTwoRuns();
    const env = { ...gitEnv, NO_COLOR: "1" };
    const text = await atTerminal([EXPRAG, "cat", "latest", "notes.txt"], { cwd: repo, env });
    expect(text.output).toBe("x\\e]0;pwned\\u0007y \x1b[31mred\x1b[0m\n");
    const binary = await atTerminal([EXPRAG, "cat", "latest", "weights.bin"], { cwd: repo, env });
    expect(binary.exitCode).toBe(1);
    expect(binary.output).toBe(
      `exprag: error: weights.bin in run ${dirty.short_id} (commit ${dirty.commit.slice(0, 12)}) is a binary file (4 bytes); write it to a file: exprag cat latest weights.bin > FILE\n`,
    );
  });
});

describe("paths and names that git would read otherwise", () => {
  test("a file named like a pathspec is that file; an empty path or remote is a usage error, not git's failure", async () => {
    const repo = makeRepo({ ":(glob)*": "a file with a strange name\n", "train.py": "print(1)\n" });
    await runIn(repo, ["run", "--", "true"]);
    expect((await runIn(repo, ["cat", "latest", ":(glob)*"])).text).toBe("a file with a strange name\n");
    const missing = await runIn(repo, ["cat", "latest", ":(icase)TRAIN.PY"]);
    expect([missing.exitCode, missing.stderr]).toEqual([1, expect.stringContaining("has no :(icase)TRAIN.PY") as unknown as string]);
    const listed = JSON.parse((await runIn(repo, ["files", "latest", ":(glob)*", "--json"])).text);
    expect(listed.files.map((file: { path: string }) => file.path)).toEqual([":(glob)*"]);
    for (const [args, message] of [
      [["diff", "latest", "--", ""], "a path after -- is empty; give files or folders: exprag diff <run> -- src/model.py"],
      [["diff", "latest", "--json", "--", ""], "a path after -- is empty; give files or folders: exprag diff <run> -- src/model.py"],
      [["push", ""], "the remote's name is empty; name a remote, a URL or a path: exprag push origin"],
      [["pull", " "], "the remote's name is empty; name a remote, a URL or a path: exprag pull origin"],
    ] as const) {
      const result = await runIn(repo, [...args]);
      expect({ args, code: result.exitCode, stderr: result.stderr }).toEqual({ args, code: 2, stderr: `exprag: error: ${message}\n` });
    }
  });
});

describe("exprag files", () => {
  test("lists the run's files from the top, under paths given from here", async () => {
    const { repo, clean } = await readOnlyTwoRuns();
    expect((await runIn(repo, ["files", "latest"])).text).toBe("README.md\nnotes.txt\nsrc/train.py\nweights.bin\n");
    expect((await runIn(repo, ["files", clean.short_id])).text).toBe("README.md\nsrc/train.py\n");
    expect((await runIn(join(repo, "src"), ["files", "latest", "."])).text).toBe("src/train.py\n");
    const listed = JSON.parse((await runIn(repo, ["files", "latest", "src", "--json"])).text);
    expect(listed.files).toEqual([{ path: "src/train.py", kind: "file", size: 9 }]);
  });

  test("--changed lists what the snapshot changed against the run's HEAD; a clean run changed nothing", async () => {
    const { repo, dirty, clean } = await readOnlyTwoRuns();
    expect((await runIn(repo, ["files", "latest", "--changed"])).text).toBe("A\tnotes.txt\nM\tsrc/train.py\nA\tweights.bin\n");
    const changed = JSON.parse((await runIn(repo, ["files", "latest", "--changed", "--json"])).text);
    expect(changed).toEqual({
      run_id: dirty.run_id,
      commit: dirty.commit,
      base: clean.commit,
      files: [
        { path: "notes.txt", status: "A", old_path: null, added: 1, deleted: 0 },
        { path: "src/train.py", status: "M", old_path: null, added: 1, deleted: 1 },
        { path: "weights.bin", status: "A", old_path: null, added: null, deleted: null },
      ],
    });
    expect((await runIn(repo, ["files", "latest", "--changed", "src"])).text).toBe("M\tsrc/train.py\n");
    const none = await runIn(repo, ["files", clean.short_id, "--changed"]);
    expect([none.exitCode, none.text]).toEqual([0, ""]);
    expect(none.stderr).toBe(`exprag: run ${clean.short_id} was clean: its code is commit ${clean.commit.slice(0, 12)}\n`);
  });

  test("a run made before the first commit changed everything it holds", async () => {
    const repo = makeRepo({});
    write(repo, "train.py", "print(0)\n");
    await runIn(repo, ["run", "--", "true"]);
    expect((await runIn(repo, ["files", "latest", "--changed"])).text).toBe("A\ttrain.py\n");
  });
});

describe("--json of diff and log", () => {
  test("diff --json: both sides, the changed files with line counts, and the patch unless --stat", async () => {
    const { repo, dirty, clean } = await readOnlyTwoRuns();
    const stat = await runIn(repo, ["diff", clean.short_id, dirty.short_id, "--stat", "--json"]);
    expect(stat.exitCode).toBe(0);
    expect(JSON.parse(stat.text)).toEqual({
      from: { run_id: clean.run_id, commit: clean.commit },
      to: { run_id: dirty.run_id, commit: dirty.commit },
      files: [
        { path: "notes.txt", status: "A", old_path: null, added: 1, deleted: 0 },
        { path: "src/train.py", status: "M", old_path: null, added: 1, deleted: 1 },
        { path: "weights.bin", status: "A", old_path: null, added: null, deleted: null },
      ],
    });
    const full = JSON.parse((await runIn(repo, ["diff", clean.short_id, dirty.short_id, "--json", "--", "src"])).text);
    expect(full.files.map((file: { path: string }) => file.path)).toEqual(["src/train.py"]);
    expect(full.patch).toContain("-print(1)\n+print(2)\n");
    expect(full.truncated).toBe(false);
    // Against the work tree, which holds print(3) now.
    const here = JSON.parse((await runIn(repo, ["diff", "latest", "--stat", "--json"])).text);
    expect([here.to.work_tree, here.files.map((file: { path: string }) => file.path)]).toEqual([repo, ["src/train.py"]]);
    expect((await runIn(repo, ["diff", clean.short_id, dirty.short_id, "--json", "--exit-code"])).exitCode).toBe(1);
    expect((await runIn(repo, ["diff", dirty.short_id, dirty.short_id, "--json", "--exit-code"])).exitCode).toBe(0);
    const both = await runIn(repo, ["diff", "latest", "--json", "--quiet"]);
    expect([both.exitCode, both.stderr]).toEqual([
      2,
      "exprag: error: --json and --quiet exclude each other; --json --exit-code answers and exits 1 when the code differs\n",
    ]);
  });

  test("log --json: the output as text, whole or its tail; not with --follow", async () => {
    const { repo, dirty } = await twoRuns();
    const whole = JSON.parse((await runIn(repo, ["log", "latest", "--json"])).text);
    expect(whole).toEqual({
      run_id: dirty.run_id,
      log: join(repo, ".exprag", "runs", `${dirty.run_id}.log`),
      text: "step 1\n\x1b]52;c;Zm9v\x07done\n",
      lines: 2,
      truncated: false,
    });
    expect(JSON.parse((await runIn(repo, ["log", "latest", "--json", "--tail", "1"])).text).text).toBe("\x1b]52;c;Zm9v\x07done\n");
    await runIn(repo, ["run", "--no-log", "--", "true"]);
    const none = await runIn(repo, ["log", "latest", "--json"]);
    expect([none.exitCode, none.text]).toEqual([1, ""]);
    expect(none.stderr).toMatch(
      /^exprag: error: run [0-9a-f]{8} kept no output log \(it ran with --no-log, or not under exprag run: a Python Experiment, the original exprag\)\n$/,
    );
    // A command that never started left no output: the log says so, not that it ran without one.
    await runIn(repo, ["run", "--", "no-such-command-here"]);
    const never = await runIn(repo, ["log", "latest"]);
    expect([never.exitCode, never.stderr]).toEqual([
      1,
      `exprag: error: run ${never.stderr.match(/run ([0-9a-f]{8})/)?.[1]} never started its command (command not found: no-such-command-here): it has no output\n`,
    ]);
    const follow = await runIn(repo, ["log", "latest", "--json", "--follow"]);
    expect([follow.exitCode, follow.stderr]).toEqual([
      2,
      "exprag: error: --json and --follow exclude each other; --json answers with the output as it is now\n",
    ]);
  });

  test.skipIf(!hasPty)("log at a terminal writes other controls of the output as escapes; piped it is exact", async () => {
    const { repo } = await readOnlyTwoRuns();
    expect((await runIn(repo, ["log", "latest"])).text).toBe("step 1\n\x1b]52;c;Zm9v\x07done\n");
    const shown = await atTerminal([EXPRAG, "log", "latest"], { cwd: repo, env: { ...gitEnv, HOME: tempDir() } });
    expect(shown.output).toBe("step 1\n\\e]52;c;Zm9v\\u0007done\n");
  });
});

test("cat and files need the run's commit in this repository", async () => {
  const { repo } = await readOnlyTwoRuns();
  const other = makeRepo();
  git(other, "status");
  const elsewhere = await runIn(other, ["files", "latest", "--dir", join(repo, ".exprag")]);
  expect(elsewhere.exitCode).toBe(1);
  expect(elsewhere.stderr).toMatch(/^exprag: error: commit [0-9a-f]{12} of run [0-9a-f]{8} is not in this repository; /);
});
