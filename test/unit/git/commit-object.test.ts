/**
 * The snapshot commit made in process against the one `git commit-tree` makes of the same tree,
 * parent and message in the same second: byte for byte the same object, whoever the user is (an
 * identity in the environment or in the config), in several time zones and with hostile messages;
 * and commit-tree itself wherever git would write other bytes or store them otherwise.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeSnapshotCommit } from "../../../src/core/git/commit-object";
import { Git, openRepositoryOrFail } from "../../../src/core/git/repository";
import { tempDir } from "../../temp-dir";

const home = tempDir("exprag-home-");
const baseEnv = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", XDG_CONFIG_HOME: join(home, ".config"), LC_ALL: "C" };
const SNAPSHOT_IDENTITY = {
  GIT_AUTHOR_NAME: "exprag",
  GIT_AUTHOR_EMAIL: "exprag@localhost",
  GIT_COMMITTER_NAME: "exprag",
  GIT_COMMITTER_EMAIL: "exprag@localhost",
};

function gitIn(top: string, env: Record<string, string | undefined>, ...args: string[]): string {
  const result = Bun.spawnSync(["git", ...args], { cwd: top, env, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

/** A repository with one commit (none when `commits` is 0), and `config` set in it. */
function repository(config: Record<string, string> = {}, commits = 1): string {
  const top = tempDir("exprag-commit-object-");
  gitIn(top, baseEnv, "init", "-q", "-b", "main");
  for (const [key, value] of Object.entries(config)) gitIn(top, baseEnv, "config", key, value);
  writeFileSync(join(top, "a.txt"), "a\n");
  if (commits > 0) gitIn(top, baseEnv, "-c", "user.name=T", "-c", "user.email=t@example.com", "add", "-A");
  if (commits > 0) gitIn(top, baseEnv, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "first");
  return top;
}

/** The snapshot commit of HEAD's tree (else the empty tree) both ways, in the same second; and whether commit-tree made exprag's. */
function bothWays(top: string, message: string, env: Record<string, string | undefined>): { ours: string; theirs: string; byGit: boolean } {
  const { git, repo } = openRepositoryOrFail(top, env);
  const tree = repo.headTree ?? gitIn(top, env, "hash-object", "-t", "tree", "-w", "/dev/null").trim();
  for (let attempt = 0; ; attempt++) {
    const calls: string[] = [];
    Git.observer = (args) => calls.push(args[0]!);
    let ours: string;
    const before = Math.floor(Date.now() / 1000);
    try {
      ours = writeSnapshotCommit(git, repo, tree, message);
    } finally {
      Git.observer = null;
    }
    const theirs = gitIn(
      top,
      { ...env, ...SNAPSHOT_IDENTITY },
      "commit-tree",
      "--no-gpg-sign",
      tree,
      ...(repo.head ? ["-p", repo.head] : []),
      "-m",
      message,
    ).trim();
    if (Math.floor(Date.now() / 1000) === before || attempt === 4) return { ours, theirs, byGit: calls.includes("commit-tree") };
  }
}

function expectSameObject(top: string, ours: string, theirs: string): void {
  expect(ours).toBe(theirs);
  gitIn(top, baseEnv, "fsck", "--strict", "--no-progress");
}

const message = "exprag snapshot of run 0190\n\nexperiment: train\n\nexprag-store: /tmp/store\n";

describe("a snapshot commit made in process is commit-tree's", () => {
  test("whoever the user is: an identity in the environment, in the config, or none", () => {
    for (const [config, extra] of [
      [{}, {}],
      [{ "user.name": "Config User", "user.email": "config@example.com", "user.useConfigOnly": "true" }, {}],
      [{}, { GIT_AUTHOR_NAME: "Env User", GIT_AUTHOR_EMAIL: "env@example.com", GIT_COMMITTER_NAME: "Env C", GIT_COMMITTER_EMAIL: "c@example.com" }],
      [{}, { EMAIL: "mail@example.com" }],
    ] as const) {
      const top = repository(config);
      const { ours, theirs, byGit } = bothWays(top, message, { ...baseEnv, ...extra });
      expect(byGit).toBe(false);
      expectSameObject(top, ours, theirs);
      expect(gitIn(top, baseEnv, "cat-file", "commit", ours)).toContain("\nauthor exprag <exprag@localhost> ");
    }
  }, 60_000);

  test("hostile messages: no final newline, blank lines, control characters, every plane of Unicode", () => {
    const top = repository();
    for (const text of [
      "no final newline",
      "\n\n\nleading and trailing blank lines\n\n\n",
      "tabs\there, a carriage return\r\nand an escape \x1b[31mred\x1b[0m, a bell \x07\n",
      "experiment: \u00e9t\u00e9 \u4e2d\u6587 \ud83d\ude80 \u{10fffd}\n",
      "exprag-store: /tmp/a store\n\nSigned-off-by: someone <x@y>\n",
      "# not a comment to commit-tree\n",
    ]) {
      const { ours, theirs, byGit } = bothWays(top, text, baseEnv);
      expect(byGit).toBe(false);
      expectSameObject(top, ours, theirs);
    }
  }, 60_000);

  test("text git takes for not UTF-8 (noncharacters, a lone surrogate) goes through commit-tree", () => {
    const top = repository();
    for (const text of ["a noncharacter \ufffe\n", "another \ufdd0\n", "an astral one \u{1ffff}\n", "a lone surrogate \ud800 here\n", "\uffff"]) {
      const { ours, theirs, byGit } = bothWays(top, text, baseEnv);
      expect(byGit).toBe(true);
      expect(ours).toBe(theirs);
    }
  }, 60_000);

  test("no parent before the first commit", () => {
    const top = repository({}, 0);
    const { ours, theirs, byGit } = bothWays(top, message, baseEnv);
    expect(byGit).toBe(false);
    expect(ours).toBe(theirs);
    expect(gitIn(top, baseEnv, "cat-file", "commit", ours)).not.toContain("parent ");
  }, 60_000);

  test("a date from the environment, a time zone other than exprag's, an encoding, shared permissions or fsync: commit-tree", () => {
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{}, { GIT_AUTHOR_DATE: "2001-02-03T04:05:06+0100" }],
      [{}, { GIT_COMMITTER_DATE: "@1000000000 +0200" }],
      [{}, { TZ: process.env.TZ === "Asia/Kolkata" ? "UTC" : "Asia/Kolkata" }],
      [{ "i18n.commitEncoding": "ISO-8859-1" }, {}],
      [{ "core.sharedRepository": "group" }, {}],
      [{ "core.fsync": "loose-object" }, {}],
    ];
    for (const [config, extra] of cases) {
      const top = repository(config);
      const { ours, theirs, byGit } = bothWays(top, message, { ...baseEnv, ...extra });
      expect(byGit).toBe(true);
      expect(ours).toBe(theirs);
    }
  }, 60_000);

  /** A script that writes a snapshot commit at HEAD's tree and prints its id and whether commit-tree wrote it; `first` runs before. */
  function commitScript(first = ""): string {
    const script = join(tempDir(), "commit.ts");
    writeFileSync(
      script,
      `import { writeSnapshotCommit } from ${JSON.stringify(join(import.meta.dir, "../../../src/core/git/commit-object"))};
import { Git, openRepositoryOrFail } from ${JSON.stringify(join(import.meta.dir, "../../../src/core/git/repository"))};
${first}
const calls: string[] = [];
Git.observer = (args) => calls.push(args[0]);
const { git, repo } = openRepositoryOrFail(process.cwd(), process.env);
const oid = writeSnapshotCommit(git, repo, repo.headTree!, ${JSON.stringify(message)});
console.log(oid, calls.includes("commit-tree"));
`,
    );
    return script;
  }

  /** Runs `script` in `top` with `env` and the same commit by git, within one second: [ours, by git?, theirs]. */
  function runBoth(script: string, top: string, env: Record<string, string | undefined>, gitEnv = env): [string, string, string] {
    for (let attempt = 0; ; attempt++) {
      const before = Math.floor(Date.now() / 1000);
      const ran = Bun.spawnSync([process.execPath, script], { cwd: top, env, stdout: "pipe", stderr: "pipe" });
      expect(ran.stderr.toString()).toBe("");
      const [ours, byGit] = ran.stdout.toString().trim().split(" ");
      const { repo } = openRepositoryOrFail(top, gitEnv);
      const theirs = gitIn(top, { ...gitEnv, ...SNAPSHOT_IDENTITY }, "commit-tree", "--no-gpg-sign", repo.headTree!, "-p", repo.head!, "-m", message).trim();
      if (Math.floor(Date.now() / 1000) !== before && attempt < 4) continue;
      return [ours!, byGit!, theirs];
    }
  }

  // A time zone is read at the runtime's start: each is tried in a process of its own.
  test("in other time zones: half-hour, negative, and POSIX rules this runtime's own zone data does not read", () => {
    const script = commitScript();
    for (const tz of ["Asia/Kolkata", "America/St_Johns", "XYZ-5:30", "ABC+3:15DEF,M3.2.0,M11.1.0", "UTC", undefined]) {
      const top = repository();
      const env = { ...baseEnv, ...(tz && { TZ: tz }) };
      const [ours, byGit, theirs] = runBoth(script, top, env);
      expect(byGit).toBe("false");
      expectSameObject(top, ours, theirs);
    }
  }, 60_000);

  test("a time zone set in process.env after the start, which the C library never sees: commit-tree", () => {
    // The process starts in UTC; its git environment says Asia/Kolkata, as git run with it would.
    const script = commitScript('process.env.TZ = "Asia/Kolkata";');
    const top = repository();
    const [ours, byGit, theirs] = runBoth(script, top, { ...baseEnv, TZ: "UTC" }, { ...baseEnv, TZ: "Asia/Kolkata" });
    expect(byGit).toBe("true");
    expectSameObject(top, ours, theirs);
    expect(gitIn(top, baseEnv, "cat-file", "commit", ours)).toContain("+0530");
  }, 60_000);
});
