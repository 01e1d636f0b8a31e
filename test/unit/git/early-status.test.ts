/**
 * The status a run starts as exprag starts (early-status.ts): started only where the run will
 * very likely snapshot this work tree, reading the index without copying or writing it, and its
 * answer taken only by the snapshot of the repository, environment, index and HEAD it read.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { endEarlyStatus, startEarlyStatus, takeEarlyStatus } from "../../../src/core/git/early-status";
import * as indexCopy from "../../../src/core/git/index-copy";
import { Git, openRepositoryOrFail } from "../../../src/core/git/repository";
import { readStatus } from "../../../src/core/git/status";
import { writeWorkTree, writeWorkTreeWhile } from "../../../src/core/git/work-tree";
import { tempDir } from "../../temp-dir";

const home = tempDir("exprag-home-");
const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", XDG_CONFIG_HOME: join(home, ".config"), LC_ALL: "C" };

function gitIn(top: string, ...args: string[]): void {
  const result = Bun.spawnSync(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: top, env, stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
}

/** A repository with a commit, a changed file, an untracked one, and a folder to start in. */
function dirtyRepository(): string {
  const top = tempDir("exprag-early-status-");
  gitIn(top, "init", "-q", "-b", "main");
  writeFileSync(join(top, "train.py"), "lr = 0.1\n");
  mkdirSync(join(top, "src"));
  writeFileSync(join(top, "src", "model.py"), "layers = 2\n");
  gitIn(top, "add", "-A");
  gitIn(top, "commit", "-qm", "first");
  writeFileSync(join(top, "train.py"), "lr = 0.03\n");
  writeFileSync(join(top, "notes.txt"), "new\n");
  return top;
}

/** exprag's copies of the index in the repository's git folder (the early status makes none). */
const copies = (top: string) => readdirSync(join(top, ".git")).filter((name) => name.startsWith("exprag-"));

const entriesOf = (entries: { code: string; path: Buffer }[]) => entries.map((entry) => `${entry.code} ${entry.path}`);

afterEach(() => endEarlyStatus());

describe("a run's early status", () => {
  test("taken by the snapshot of its repository, from a folder inside it: the entries a status read then gives, and no copy of the index made", async () => {
    const top = dirtyRepository();
    const index = readFileSync(join(top, ".git", "index"));
    expect(startEarlyStatus(["--name", "x", "--", "python", "train.py"], env, join(top, "src"))).not.toBeNull();
    expect(copies(top)).toEqual([]);
    const { git, repo } = openRepositoryOrFail(join(top, "src"), env);
    const early = takeEarlyStatus(repo, git.env);
    expect(early).not.toBeNull();
    const read = await early!;
    expect(entriesOf(read!.entries)).toEqual(entriesOf(readStatus(git).entries));
    expect(entriesOf(read!.entries)).toEqual([" M train.py", "?? notes.txt"]);
    // Taken once; the index read, never written.
    expect(takeEarlyStatus(repo, git.env)).toBeNull();
    expect(readFileSync(join(top, ".git", "index"))).toEqual(index);
  }, 30_000);

  test("taken where the run's environment differs only in what git never reads (PYTHONPATH, EXPRAG_ variables)", async () => {
    const top = dirtyRepository();
    startEarlyStatus(["--", "python", "train.py"], { ...env, EXPRAG_HEARTBEAT_S: "1" }, top);
    const { git, repo } = openRepositoryOrFail(top, { ...env, PYTHONPATH: "/hook", EXPRAG_RUN_ID: "x" });
    expect(await takeEarlyStatus(repo, git.env)).not.toBeNull();
  }, 30_000);

  for (const [name, runEnv] of [
    ["another HOME (another global config)", { ...env, HOME: tempDir("exprag-other-home-") }],
    ["a variable of git's own", { ...env, GIT_CONFIG_PARAMETERS: "'status.showUntrackedFiles'='no'" }],
    ["a variable less", { PATH: env.PATH, HOME: env.HOME, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" }],
  ] as const) {
    test(`not taken where the run's environment has ${name}`, () => {
      const top = dirtyRepository();
      startEarlyStatus(["--", "true"], env, top);
      const { git, repo } = openRepositoryOrFail(top, runEnv);
      expect(takeEarlyStatus(repo, git.env)).toBeNull();
    }, 30_000);
  }

  test("not taken by another repository's snapshot", () => {
    const top = dirtyRepository();
    const other = dirtyRepository();
    startEarlyStatus(["--", "true"], env, top);
    const { git, repo } = openRepositoryOrFail(other, env);
    expect(takeEarlyStatus(repo, git.env)).toBeNull();
  }, 30_000);

  test("ended when the run takes none: nothing left to take", () => {
    const top = dirtyRepository();
    startEarlyStatus(["--", "true"], env, top);
    endEarlyStatus();
    const { git, repo } = openRepositoryOrFail(top, env);
    expect(takeEarlyStatus(repo, git.env)).toBeNull();
  }, 30_000);

  for (const [name, change, expected] of [
    ["the index written (git add) before the snapshot looks", (top: string) => gitIn(top, "add", "notes.txt"), ["A  notes.txt", " M train.py"]],
    [
      "HEAD moved (reset --soft) while the index stayed",
      (top: string) => gitIn(top, "reset", "-q", "--soft", "HEAD~"),
      ["M  src/model.py", "MM train.py", "?? notes.txt"],
    ],
  ] as const) {
    test(`not used where ${name}: the snapshot reads its own status, and its record is the work tree's as it is now`, async () => {
      const top = dirtyRepository();
      writeFileSync(join(top, "src", "model.py"), "layers = 3\n");
      gitIn(top, "commit", "-qam", "second");
      writeFileSync(join(top, "train.py"), "lr = 0.01\n");
      const early = startEarlyStatus(["--", "true"], env, top);
      await early;
      change(top);
      const { git, repo } = openRepositoryOrFail(top, env);
      const read = await writeWorkTreeWhile(git, repo, { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }, () => {});
      expect(entriesOf(read.entries)).toEqual([...expected]);
      expect(entriesOf(read.entries)).toEqual(entriesOf(readStatus(git).entries));
      expect(copies(top)).toEqual([]);
    }, 30_000);
  }

  test("tells whether the index is still the one it read, after it is taken", async () => {
    const top = dirtyRepository();
    startEarlyStatus(["--", "true"], env, top);
    const { git, repo } = openRepositoryOrFail(top, env);
    const read = await takeEarlyStatus(repo, git.env);
    expect(read!.sameIndex()).toBe(true);
    gitIn(top, "add", "notes.txt");
    expect(read!.sameIndex()).toBe(false);
  }, 30_000);

  test("taken, it spares the snapshot any copy of the index: none exists while git reads, nor after", async () => {
    const top = dirtyRepository();
    await startEarlyStatus(["--", "true"], env, top);
    const { git, repo } = openRepositoryOrFail(top, env);
    const seen: string[][] = [];
    const calls: string[] = [];
    Git.observer = (args) => {
      calls.push(args[0]!);
      seen.push(copies(top));
    };
    let read: Awaited<ReturnType<typeof writeWorkTreeWhile>>;
    try {
      read = await writeWorkTreeWhile(git, repo, { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }, () => seen.push(copies(top)));
    } finally {
      Git.observer = null;
    }
    expect(entriesOf(read.entries)).toEqual([" M train.py", "?? notes.txt"]);
    expect(read.tree).toBe(writeWorkTree(git, repo, { name: "plain", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }).tree);
    expect(calls).toContain("hash-object");
    expect(calls).not.toContain("status"); // the early status's answer taken
    expect(seen.length).toBe(calls.length + 1);
    expect(seen.every((found) => found.length === 0)).toBe(true);
    expect(copies(top)).toEqual([]);
  }, 30_000);

  for (const [name, change, told] of [
    ["a changed file and an untracked one: told both paths", (_top: string) => {}, "train.py\nnotes.txt\n"],
    [
      "a clean tree: told nothing",
      (top: string) => {
        gitIn(top, "checkout", "-q", "--", "train.py");
        rmSync(join(top, "notes.txt"));
      },
      "",
    ],
    [
      "a changed .gitattributes, which only the index's way builds the same: told nothing",
      (top: string) => writeFileSync(join(top, ".gitattributes"), "*.py text\n"),
      "",
    ],
    [
      "a file turned into a symbolic link, which is not hashed as a file: told nothing",
      (top: string) => {
        rmSync(join(top, "train.py"));
        symlinkSync("src/model.py", join(top, "train.py"));
      },
      "",
    ],
  ] as const) {
    test(`taken, the hash-object started beside it ends once told what to hash (${name})`, async () => {
      const top = dirtyRepository();
      change(top);
      await startEarlyStatus(["--", "true"], env, top);
      const { git, repo } = openRepositoryOrFail(top, env);
      const calls: string[] = [];
      Git.observer = (args) => calls.push(args[0]!);
      const sent: string[] = [];
      const open = Git.prototype.open;
      const opened = spyOn(Git.prototype, "open").mockImplementation(function (this: Git, args, options) {
        const started = open.call(this, args, options);
        if (args[0] !== "hash-object") return started;
        const send = (input: string | Uint8Array) => {
          sent.push(Buffer.from(input).toString());
          started.send(input);
        };
        return { ...started, send };
      });
      let read: Awaited<ReturnType<typeof writeWorkTreeWhile>>;
      let hashers: number;
      try {
        read = await writeWorkTreeWhile(git, repo, { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }, () => {});
        hashers = opened.mock.calls.filter(([args]) => args[0] === "hash-object").length;
        // Told nothing, it is not waited for: it ends on its own.
        for (const deadline = Date.now() + 20_000; !calls.includes("hash-object") && Date.now() < deadline; ) await Bun.sleep(5);
      } finally {
        Git.observer = null;
        opened.mockRestore();
      }
      // One hash-object, started before status answered (no other), and ended whatever the tree's way.
      expect(hashers).toBe(1);
      expect(calls.filter((call) => call === "hash-object")).toHaveLength(1);
      expect(sent.join("")).toBe(told);
      expect(read.tree).toBe(writeWorkTree(git, repo, { name: "plain", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }).tree);
    }, 30_000);
  }

  for (const split of [false, true])
    test(`taken where the index${split ? ", split, hides a change in its shared part" : " hides a change"} (assume-unchanged): the snapshot reads the copy's way, and the change is in it`, async () => {
      const top = dirtyRepository();
      gitIn(top, "update-index", "--assume-unchanged", "src/model.py");
      if (split) {
        // Entries older than the index are not racy: splitting then leaves them, the marked one too, in the shared part only.
        const past = new Date(Date.now() - 60_000);
        for (const file of ["train.py", "src/model.py"]) utimesSync(join(top, file), past, past);
        Bun.spawnSync(["git", "update-index", "-q", "--really-refresh"], { cwd: top, env });
        gitIn(top, "update-index", "--split-index");
        expect(readFileSync(join(top, ".git", "index")).includes("src/model.py")).toBe(false);
      }
      writeFileSync(join(top, "src", "model.py"), "layers = 4\n");
      await startEarlyStatus(["--", "true"], env, top);
      const { git, repo } = openRepositoryOrFail(top, env);
      const read = await writeWorkTreeWhile(git, repo, { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }, () => {});
      expect(entriesOf(read.entries)).toEqual([" M src/model.py", " M train.py", "?? notes.txt"]);
      expect(copies(top)).toEqual([]);
    }, 30_000);

  for (const staged of [false, true]) {
    test(`taken where the tree is made the index's way, the copy made then${staged ? ", the index changed meanwhile (rm --cached): status reads the copy again" : ": the tree the index's way makes"}`, async () => {
      const top = dirtyRepository();
      await startEarlyStatus(["--", "true"], env, top);
      const { git, repo } = openRepositoryOrFail(top, env);
      const copyIndex = indexCopy.copyIndexInto;
      const made = spyOn(indexCopy, "copyIndexInto");
      if (staged)
        made.mockImplementationOnce((...args) => {
          gitIn(top, "rm", "-q", "--cached", "src/model.py");
          return copyIndex(...args);
        });
      try {
        const options = { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20, throughIndex: true };
        const read = await writeWorkTreeWhile(git, repo, options, () => {});
        expect(made).toHaveBeenCalledTimes(1);
        const expected = staged ? ["D  src/model.py", " M train.py", "?? notes.txt", "?? src/model.py"] : [" M train.py", "?? notes.txt"];
        expect(entriesOf(read.entries)).toEqual(expected);
        expect(read.tree).toBe(writeWorkTree(git, repo, { ...options, name: "plain" }).tree);
      } finally {
        made.mockRestore();
      }
      expect(copies(top)).toEqual([]);
    }, 30_000);
  }

  for (const [name, storeOf] of [
    ["", (top: string) => join(top, ".exprag")],
    [
      " named through a symbolic link to the repository",
      (top: string) => {
        const link = join(tempDir("exprag-link-"), "repo");
        symlinkSync(top, link);
        return join(link, ".exprag");
      },
    ],
  ] as const) {
    test(`a status that saw the store${name} before its .gitignore was written is read again: the store is nowhere in the snapshot`, async () => {
      const top = dirtyRepository();
      writeFileSync(join(top, "old.jsonl"), "");
      mkdirSync(join(top, ".exprag", "runs"), { recursive: true });
      writeFileSync(join(top, ".exprag", "runs", "old.jsonl"), "");
      const early = startEarlyStatus(["--", "true"], env, top);
      expect(early).not.toBeNull();
      await early;
      writeFileSync(join(top, ".exprag", ".gitignore"), "*\n");
      const { git, repo } = openRepositoryOrFail(top, env);
      const calls: string[] = [];
      Git.observer = (args) => calls.push(args[0]!);
      try {
        const read = await writeWorkTreeWhile(git, repo, { name: "test", store: storeOf(top), maxUntrackedBytes: 1 << 20 }, () => {});
        expect(read.skipped).toEqual([]);
        expect(entriesOf(read.entries)).toEqual([" M train.py", "?? notes.txt", "?? old.jsonl"]);
      } finally {
        Git.observer = null;
      }
      expect(calls.filter((call) => call === "status")).toHaveLength(1);
      expect(copies(top)).toEqual([]);
    }, 30_000);
  }

  for (const [name, args, extra] of [
    ["--no-snapshot", ["--no-snapshot", "--", "true"], {}],
    ["--snapshot=false", ["--snapshot=false", "--", "true"], {}],
    ["--help", ["--help"], {}],
    ["-h before the command", ["-h", "--", "true"], {}],
    ["--no-snapshot given where the command may begin (no --)", ["python", "train.py", "--no-snapshot"], {}],
    ["a sweep's or rerun's run, whose code is read already", ["--", "true"], { EXPRAG_PREPARED_CODE: "{}" }],
    ["GIT_DIR set", ["--", "true"], { GIT_DIR: ".git" }],
    ["GIT_INDEX_FILE set", ["--", "true"], { GIT_INDEX_FILE: "other.index" }],
  ] as const) {
    test(`not started with ${name}`, () => {
      const top = dirtyRepository();
      expect(startEarlyStatus([...args], { ...env, ...extra }, top)).toBeNull();
    }, 30_000);
  }

  test("started for a command's own --help after --", () => {
    const top = dirtyRepository();
    expect(startEarlyStatus(["--", "python", "train.py", "--help"], env, top)).not.toBeNull();
  }, 30_000);

  test("not started outside a work tree, nor in a linked worktree (its git folder is elsewhere)", () => {
    expect(startEarlyStatus(["--", "true"], env, tempDir("exprag-not-a-repo-"))).toBeNull();
    const top = dirtyRepository();
    const linked = join(tempDir("exprag-linked-"), "wt");
    gitIn(top, "worktree", "add", "-q", linked);
    expect(startEarlyStatus(["--", "true"], env, linked)).toBeNull();
  }, 30_000);
});
