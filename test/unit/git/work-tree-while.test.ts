/**
 * The work tree read while the caller works (writeWorkTreeWhile, a run's way) against the plain
 * read (writeWorkTree): the same tree and entries, the caller's work done once, the config
 * question asked once, and status read again where the index hides a change.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { captureGitWhile } from "../../../src/core/git/capture";
import { Git, openRepositoryOrFail } from "../../../src/core/git/repository";
import { writeWorkTree, writeWorkTreeWhile } from "../../../src/core/git/work-tree";
import { tempDir } from "../../temp-dir";

const home = tempDir("exprag-home-");
const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", XDG_CONFIG_HOME: join(home, ".config"), LC_ALL: "C" };
/** Whether git's config files can be read here instead of asking git (config-scan.ts): Linux, the distribution's git. */
const configFilesTell = process.platform === "linux" && ["/usr/bin/git", "/bin/git"].includes(Bun.which("git", { PATH: env.PATH }) ?? "");

function gitIn(top: string, ...args: string[]): void {
  const result = Bun.spawnSync(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: top, env, stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
}

/** A repository with a commit, then a changed file and an untracked one. */
function dirtyRepository(config: Record<string, string>): string {
  const top = tempDir("exprag-work-tree-while-");
  gitIn(top, "init", "-q", "-b", "main");
  for (const [key, value] of Object.entries(config)) gitIn(top, "config", key, value);
  writeFileSync(join(top, "train.py"), "lr = 0.1\n");
  gitIn(top, "add", "-A");
  gitIn(top, "commit", "-qm", "first");
  writeFileSync(join(top, "train.py"), "lr = 0.03\n");
  writeFileSync(join(top, "notes.txt"), "new\n");
  return top;
}

describe("the work tree read while the caller works", () => {
  test("a clean work tree: no config question, the caller's work done once", async () => {
    const top = dirtyRepository({});
    gitIn(top, "add", "-A");
    gitIn(top, "commit", "-qm", "second");
    const { git, repo } = openRepositoryOrFail(top, env);
    const calls: string[] = [];
    Git.observer = (args) => calls.push(args[0]!);
    let worked = 0;
    try {
      const read = await writeWorkTreeWhile(git, repo, { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }, () => worked++);
      expect(read.entries).toEqual([]);
      expect(read.tree).toBe(repo.headTree);
    } finally {
      Git.observer = null;
    }
    expect(worked).toBe(1);
    expect(calls).toEqual(["status"]);
  }, 30_000);

  for (const [name, config, treesByGit, hide, questions] of [
    ["loose objects written in process", {}, false, false, configFilesTell ? 0 : 1],
    ["a shared repository: trees written by git", { "core.sharedRepository": "group" }, true, false, 1],
    ["a change hidden by assume-unchanged: status read again once the copy shows it", {}, true, true, 0],
  ] as const) {
    test(`the same tree and entries as the plain read, the caller's work done once (${name})`, async () => {
      const top = dirtyRepository(config);
      if (hide) gitIn(top, "update-index", "--assume-unchanged", "train.py");
      const options = { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 };
      const plain = (() => {
        const { git, repo } = openRepositoryOrFail(top, env);
        return writeWorkTree(git, repo, options);
      })();
      const { git, repo } = openRepositoryOrFail(top, env);
      const calls: string[] = [];
      Git.observer = (args) => calls.push(args.slice(0, 3).join(" "));
      let worked = 0;
      try {
        const read = await writeWorkTreeWhile(git, repo, options, () => worked++);
        expect(read.tree).toBe(plain.tree);
        expect(read.entries.map((entry) => `${entry.code} ${entry.path}`)).toEqual(plain.entries.map((entry) => `${entry.code} ${entry.path}`));
      } finally {
        Git.observer = null;
      }
      expect(worked).toBe(1);
      // The config question is asked at most once, where the tree is built from HEAD's and the config files cannot tell, and its answer is the one used.
      expect(calls.filter((call) => call.startsWith("config"))).toHaveLength(questions);
      // Trees by git: hash-object in a shared repository, write-tree through the index where entries hide.
      expect(calls.some((call) => call.startsWith("hash-object -t tree") || call.startsWith("write-tree"))).toBe(treesByGit);
      expect(calls.filter((call) => call.startsWith("status"))).toHaveLength(hide ? 2 : 1);
      if (hide) expect(plain.entries.map((entry) => entry.path.toString())).toContain("train.py");
    }, 30_000);
  }

  test("a sparse checkout: entries outside it hide nothing, so status is read once", async () => {
    const top = dirtyRepository({});
    writeFileSync(join(top, "outside.txt"), "not checked out\n");
    gitIn(top, "add", "-A");
    gitIn(top, "commit", "-qm", "second");
    gitIn(top, "sparse-checkout", "set", "--no-cone", "/train.py");
    expect(existsSync(join(top, "outside.txt"))).toBe(false);
    writeFileSync(join(top, "train.py"), "lr = 0.01\n");
    const { git, repo } = openRepositoryOrFail(top, env);
    const calls: string[] = [];
    Git.observer = (args) => calls.push(args[0]!);
    try {
      const read = await writeWorkTreeWhile(git, repo, { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }, () => {});
      expect(read.entries.map((entry) => `${entry.code} ${entry.path}`)).toEqual([" M train.py"]);
    } finally {
      Git.observer = null;
    }
    expect(calls.filter((call) => call === "status")).toHaveLength(1);
  }, 30_000);

  for (const [name, config, change, refMade] of [
    ["a dirty tree: its branch made in process, where the config files say git would write it so", {}, (_top: string) => {}, true],
    [
      "a dirty tree whose reflogs are not kept: its branch made by the update-ref started once status said so",
      { "core.logAllRefUpdates": "false" },
      (_top: string) => {},
      true,
    ],
    [
      "a tree that differs from the index but not from HEAD (rm --cached): the update-ref started is told nothing",
      { "core.logAllRefUpdates": "false" },
      (top: string) => gitIn(top, "rm", "-q", "--cached", "train.py"),
      false,
    ],
  ] as const) {
    test(name, async () => {
      const top = dirtyRepository(config);
      const inProcess = configFilesTell && Object.keys(config).length === 0;
      gitIn(top, "checkout", "-q", "--", "train.py");
      rmSync(join(top, "notes.txt"));
      writeFileSync(join(top, "train.py"), refMade ? "lr = 0.5\n" : "lr = 0.1\n");
      change(top);
      const runId = "01a24380-0000-7000-8000-00000000000b";
      const options = { cwd: top, env, runId, experimentName: "test", store: join(top, ".exprag"), snapshot: true, maxUntrackedBytes: 1 << 20 };
      const calls: string[] = [];
      Git.observer = (args) => calls.push(args.join(" "));
      let record: Awaited<ReturnType<typeof captureGitWhile>>;
      try {
        record = await captureGitWhile(options, () => {});
      } finally {
        Git.observer = null;
      }
      // Told in the order they end: the config question, where asked, and update-ref go on at once.
      const asked = calls
        .filter((call) => call.startsWith("update-ref") || call.startsWith("config"))
        .map((call) => (call.startsWith("config") ? "config" : call));
      expect(asked.sort()).toEqual(inProcess ? [] : ["config", `update-ref -m exprag: snapshot of run ${runId} --stdin`]);
      const ref = Bun.spawnSync(["git", "rev-parse", "-q", "--verify", `refs/heads/run/${runId}`], { cwd: top, env })
        .stdout.toString()
        .trim();
      expect(record.dirty).toBe(true);
      if (refMade) {
        expect(record).toMatchObject({ snapshot_ref: `refs/heads/run/${runId}`, branch: `run/${runId}` });
        expect(ref).toBe(record.commit!);
        const reflog = Bun.spawnSync(["git", "reflog", "show", "--format=%gs by %gn <%ge>", `run/${runId}`], { cwd: top, env }).stdout.toString();
        // As git keeps reflogs: not where the config says not to.
        expect(reflog).toBe(config["core.logAllRefUpdates"] === "false" ? "" : `exprag: snapshot of run ${runId} by exprag <exprag@localhost>\n`);
      } else {
        expect(record.snapshot_ref ?? null).toBeNull();
        expect(record.commit).toBe(record.head);
        expect(ref).toBe("");
      }
    }, 30_000);
  }

  test("hash-object going away before it reads hundreds of KB of paths: the tree made the index's way", async () => {
    const top = dirtyRepository({});
    const folder = join(top, "a".repeat(250), "b".repeat(250));
    mkdirSync(folder, { recursive: true });
    const names = Array.from({ length: 600 }, (_, i) => join(folder, `${"c".repeat(100)}${i}.txt`));
    for (const name of names) writeFileSync(name, "first\n");
    gitIn(top, "add", "-A");
    gitIn(top, "commit", "-qm", "many");
    for (const name of names) writeFileSync(name, "second\n");
    const bin = tempDir("exprag-fake-git-");
    writeFileSync(join(bin, "git"), `#!/bin/sh\ncase " $* " in *" hash-object -w --stdin-paths "*) exit 1;; esac\nexec ${Bun.which("git")} "$@"\n`);
    chmodSync(join(bin, "git"), 0o755);
    const withFake = { ...env, PATH: `${bin}:${env.PATH}` };
    const options = { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 };
    const { git, repo } = openRepositoryOrFail(top, withFake);
    const read = await writeWorkTreeWhile(git, repo, options, () => {});
    expect(read.entries).toHaveLength(600);
    const plain = openRepositoryOrFail(top, env);
    expect(read.tree).toBe(writeWorkTree(plain.git, plain.repo, options).tree);
  }, 60_000);

  test("the update-ref started for the branch gone before it is told the commit: no broken pipe, the fallback ref made and said", async () => {
    const top = dirtyRepository({});
    const bin = tempDir("exprag-fake-git-");
    writeFileSync(join(bin, "git"), `#!/bin/sh\ncase " $* " in *" update-ref "*" --stdin "*) exit 3;; esac\nexec ${Bun.which("git")} "$@"\n`);
    chmodSync(join(bin, "git"), 0o755);
    const runId = "01a24380-0000-7000-8000-00000000000c";
    const options = {
      cwd: top,
      env: { ...env, PATH: `${bin}:${env.PATH}` },
      runId,
      experimentName: "test",
      store: join(top, ".exprag"),
      snapshot: true,
      maxUntrackedBytes: 1 << 20,
    };
    const record = await captureGitWhile(options, () => {});
    expect(record.snapshot_ref).toBe(`refs/exprag/run/${runId}`);
    expect(record.note).toContain("could not be created (exit 3)");
    const ref = Bun.spawnSync(["git", "rev-parse", `refs/exprag/run/${runId}`], { cwd: top, env })
      .stdout.toString()
      .trim();
    expect(ref).toBe(record.commit!);
  }, 30_000);

  test("the caller's work failing costs no snapshot: the error reaches the caller after the capture, the index copy is gone", async () => {
    const top = dirtyRepository({});
    const options = {
      cwd: top,
      env,
      runId: "01a24380-0000-7000-8000-00000000000a",
      experimentName: "test",
      store: join(top, ".exprag"),
      snapshot: true,
      maxUntrackedBytes: 1 << 20,
    };
    const refs = () => Bun.spawnSync(["git", "for-each-ref", "--format=%(refname)"], { cwd: top, env }).stdout.toString().trim();
    const failing = captureGitWhile(options, () => {
      throw new Error("the watch broke");
    });
    await expect(failing).rejects.toThrow("the watch broke");
    // The snapshot was placed before the error was given back: the capture finished as if nothing failed.
    expect(refs()).toContain(options.runId);
    expect(readdirSync(join(top, ".git")).filter((name) => name.includes("exprag"))).toEqual([]);
  }, 30_000);
});
