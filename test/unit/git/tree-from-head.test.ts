/**
 * The snapshot's tree made from HEAD's tree (tree-from-head.ts) against the one made in a copy
 * of the index (update-index + write-tree): over hostile repositories both ways must give the
 * same tree, and the way from HEAD must be the one taken wherever it claims to build the same.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Git, openRepositoryOrFail } from "../../../src/core/git/repository";
import { EMPTY_TREE } from "../../../src/core/git/tree-object";
import { writeWorkTree, writeWorkTreeWhile } from "../../../src/core/git/work-tree";

const home = mkdtempSync(join(tmpdir(), "exprag-home-"));
const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: "1", XDG_CONFIG_HOME: join(home, ".config"), LC_ALL: "C" };
const made: string[] = [home];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
}, 60_000);

function gitIn(top: string, ...args: string[]): string {
  const result = Bun.spawnSync(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd: top, env, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

function put(top: string, path: string | Buffer, content: string | Buffer = `${path.toString()}\n`): void {
  const full = typeof path === "string" ? join(top, path) : Buffer.concat([Buffer.from(`${top}/`), path]);
  mkdirSync(join(full.toString(), ".."), { recursive: true });
  writeFileSync(full, content);
}

/** A repository whose HEAD holds `files` (name -> content), and the `config` set before the commit. */
function repository(files: Record<string, string>, config: Record<string, string> = {}): string {
  const top = mkdtempSync(join(tmpdir(), "exprag-tree-from-head-"));
  made.push(top);
  gitIn(top, "init", "-q", "-b", "main");
  for (const [key, value] of Object.entries(config)) gitIn(top, "config", key, value);
  for (const [path, content] of Object.entries(files)) put(top, path, content);
  gitIn(top, "add", "-A");
  gitIn(top, "commit", "-qm", "first");
  return top;
}

/** The tree each way makes of the work tree, and whether the way from HEAD was taken. */
async function bothWays(top: string): Promise<{ fromHead: string | null; throughIndex: string | null; tookHeadWay: boolean; calls: string[] }> {
  const { git, repo } = openRepositoryOrFail(top, env);
  const options = { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 };
  const calls: string[] = [];
  Git.observer = (args) => calls.push(args.join(" "));
  try {
    const fromHead = writeWorkTree(git, repo, options).tree;
    // Stored where git looks for it, whole, before the other way stores it too: ls-tree reads every tree on the way down.
    if (fromHead !== null) gitIn(top, "ls-tree", "-r", "--name-only", fromHead);
    const tookHeadWay = !calls.some((call) => call.startsWith("update-index") || call.startsWith("write-tree"));
    const throughIndex = writeWorkTree(git, repo, { ...options, throughIndex: true }).tree;
    const made = calls.slice();
    // A run's way (treeFromHeadWhile: files hashed and config asked while HEAD's trees are read), with git opened
    // afresh: the same tree, made the same way.
    const fresh = openRepositoryOrFail(top, env);
    calls.length = 0;
    expect((await writeWorkTreeWhile(fresh.git, fresh.repo, options, () => {})).tree).toBe(fromHead);
    expect(calls.some((call) => call.startsWith("update-index") || call.startsWith("write-tree"))).toBe(!tookHeadWay);
    expect(calls.some((call) => call.startsWith("hash-object -t tree"))).toBe(made.some((call) => call.startsWith("hash-object -t tree")));
    return { fromHead, throughIndex, tookHeadWay, calls: made };
  } finally {
    Git.observer = null;
  }
}

/** Both ways' trees are the same, and the way from HEAD was taken or not; the git calls of both. */
async function expectSame(top: string, headWay: boolean): Promise<string[]> {
  const { fromHead, throughIndex, tookHeadWay, calls } = await bothWays(top);
  expect(fromHead).toBe(throughIndex);
  expect(tookHeadWay).toBe(headWay);
  return calls;
}

const base = {
  "a.txt": "a\n",
  "a-b.txt": "ab\n",
  a0: "a0\n",
  "a/inner.txt": "inner\n",
  "src/train.py": "lr = 0.1\n",
  "src/deep/er/model.py": "layers = 2\n",
  "gone/one.txt": "1\n",
  "gone/two.txt": "2\n",
  "folder/x.txt": "x\n",
  file: "a file\n",
  "run.sh": "#!/bin/sh\n",
  "with space.txt": "space\n",
  "back\\slash.txt": "backslash\n",
  "données/ünï.txt": "unicode\n",
};

describe("the tree from HEAD equals the tree through a copy of the index", () => {
  test("changes, untracked files, deleted folders, a file where a folder was and a folder where a file was", async () => {
    const top = repository(base);
    put(top, "src/train.py", "lr = 0.03\n");
    put(top, "src/deep/er/new.py", "new\n");
    put(top, "a.txt", "changed\n");
    put(top, "a/new.txt", "new in a\n");
    put(top, "a.", "sorts before a.txt\n");
    put(top, "brand/new/deep/file.txt", "deep\n");
    rmSync(join(top, "gone"), { recursive: true });
    rmSync(join(top, "folder"), { recursive: true });
    put(top, "folder", "a file where a folder was\n");
    rmSync(join(top, "file"));
    put(top, "file/inside.txt", "a folder where a file was\n");
    put(top, "with space.txt", "changed\n");
    put(top, "back\\slash.txt", "changed\n");
    put(top, "données/ünï.txt", "changed\n");
    put(top, Buffer.concat([Buffer.from("latin1-"), Buffer.from([0xe9]), Buffer.from(".txt")]), "latin1\n");
    await expectSame(top, true);
  }, 60_000);

  test("the same with HEAD's trees packed (read by cat-file) and loose (read in process); the objects written pass fsck", async () => {
    for (const packed of [true, false]) {
      const top = repository(base);
      if (packed) gitIn(top, "repack", "-adq");
      put(top, "src/deep/er/model.py", "layers = 3\n");
      put(top, "a/new.txt", "new\n");
      rmSync(join(top, "gone/one.txt"));
      const calls = await expectSame(top, true);
      expect(calls.some((call) => call.startsWith("cat-file"))).toBe(packed);
      expect(calls.some((call) => call.startsWith("hash-object -t tree"))).toBe(false);
      gitIn(top, "fsck", "--strict", "--no-progress");
    }
  }, 60_000);

  test("in a linked worktree, whose objects are in the main repository's folder", async () => {
    const main = repository(base);
    const linked = mkdtempSync(join(tmpdir(), "exprag-tree-from-head-linked-"));
    made.push(linked);
    rmSync(linked, { recursive: true });
    gitIn(main, "worktree", "add", "-q", linked);
    put(linked, "src/deep/er/model.py", "layers = 4\n");
    put(linked, "linked-only.txt", "new\n");
    await expectSame(linked, true);
    gitIn(main, "fsck", "--strict", "--no-progress");
  }, 60_000);

  test("a shared repository's trees are written by git, with its permissions", async () => {
    const top = repository(base, { "core.sharedRepository": "group" });
    put(top, "src/deep/er/model.py", "layers = 3\n");
    const calls = await expectSame(top, true);
    expect(calls.some((call) => call.startsWith("hash-object -t tree"))).toBe(true);
    gitIn(top, "fsck", "--strict", "--no-progress");
  }, 60_000);

  test("shared permissions or fsync asked for from another config file (an include here) leave the trees to git too", async () => {
    for (const setting of ["[core]\n\tsharedRepository = group\n", "[core]\n\tfsync = loose-object\n"]) {
      const included = join(mkdtempSync(join(tmpdir(), "exprag-included-")), "included.conf");
      made.push(join(included, ".."));
      writeFileSync(included, setting);
      const top = repository(base, { "include.path": included });
      put(top, "src/deep/er/model.py", "layers = 3\n");
      const calls = await expectSame(top, true);
      expect(calls.some((call) => call.startsWith("hash-object -t tree"))).toBe(true);
    }
  }, 60_000);

  test("staged changes: staged only, staged then changed, added, deleted, renamed, renamed then changed", async () => {
    const top = repository(base);
    put(top, "a.txt", "staged\n");
    gitIn(top, "add", "a.txt");
    put(top, "src/train.py", "staged\n");
    gitIn(top, "add", "src/train.py");
    put(top, "src/train.py", "then changed\n");
    put(top, "added.txt", "added\n");
    gitIn(top, "add", "added.txt");
    put(top, "added-then-changed.txt", "added\n");
    gitIn(top, "add", "added-then-changed.txt");
    put(top, "added-then-changed.txt", "changed\n");
    put(top, "added-then-gone.txt", "added\n");
    gitIn(top, "add", "added-then-gone.txt");
    rmSync(join(top, "added-then-gone.txt"));
    gitIn(top, "rm", "-q", "a0");
    gitIn(top, "mv", "src/deep/er/model.py", "src/model.py");
    gitIn(top, "mv", "a-b.txt", "renamed.txt");
    put(top, "renamed.txt", "renamed then changed\n");
    gitIn(top, "rm", "-q", "--cached", "run.sh"); // deleted in the index, back as an untracked file
    await expectSame(top, true);
  }, 60_000);

  test("modes: a file made executable, and with core.fileMode=false the index's mode wins", async () => {
    const top = repository(base);
    chmodSync(join(top, "run.sh"), 0o755);
    await expectSame(top, true);
    gitIn(top, "config", "core.fileMode", "false");
    put(top, "run.sh", "#!/bin/sh\necho changed\n");
    chmodSync(join(top, "a.txt"), 0o755);
    put(top, "a.txt", "changed and executable\n");
    await expectSame(top, true);
  }, 60_000);

  test("an executable script committed with core.fileMode=false keeps its mode when changed", async () => {
    const top = repository(base);
    chmodSync(join(top, "run.sh"), 0o755);
    gitIn(top, "add", "run.sh");
    gitIn(top, "commit", "-qm", "executable");
    gitIn(top, "config", "core.fileMode", "false");
    chmodSync(join(top, "run.sh"), 0o644);
    put(top, "run.sh", "#!/bin/sh\necho changed\n");
    await expectSame(top, true);
  }, 60_000);

  test("intent-to-add entries, and every file deleted", async () => {
    const top = repository(base);
    put(top, "intent.txt", "intent\n");
    gitIn(top, "add", "-N", "intent.txt");
    put(top, "intent-gone.txt", "intent\n");
    gitIn(top, "add", "-N", "intent-gone.txt");
    rmSync(join(top, "intent-gone.txt"));
    await expectSame(top, true);
    for (const path of Object.keys(base)) rmSync(join(top, path), { force: true });
    rmSync(join(top, "intent.txt"));
    // The empty tree is stored, as write-tree stores it (git knows it without, fsck of a commit of it does not).
    const { git, repo } = openRepositoryOrFail(top, env);
    expect(writeWorkTree(git, repo, { name: "test", store: join(top, ".exprag"), maxUntrackedBytes: 1 << 20 }).tree).toBe(EMPTY_TREE);
    expect(existsSync(join(top, ".git", "objects", EMPTY_TREE.slice(0, 2), EMPTY_TREE.slice(2)))).toBe(true);
    await expectSame(top, true);
  }, 60_000);

  test("line endings: autocrlf, text=auto and a clean filter are applied as update-index applies them", async () => {
    const top = repository({ ...base, ".gitattributes": "*.up filter=upper\n*.txt text=auto\n" });
    gitIn(top, "config", "filter.upper.clean", "tr a-z A-Z");
    gitIn(top, "config", "core.autocrlf", "input");
    put(top, "shout.up", "quiet words\n");
    put(top, "a.txt", "lf only\n");
    put(top, "new.txt", "crlf\r\nuntracked\r\n");
    await expectSame(top, true);
  }, 60_000);

  test("a tracked file holding a carriage return, where autocrlf looks at the index's copy, is left to the index", async () => {
    const top = repository({ ...base, "crlf.txt": "one\r\ntwo\r\n" });
    gitIn(top, "config", "core.autocrlf", "true");
    put(top, "crlf.txt", "one\r\ntwo\r\nthree\r\n");
    await expectSame(top, false);
  }, 60_000);

  test("links, a link where a file was and an untracked executable are left to the index", async () => {
    const top = repository(base);
    symlinkSync("a.txt", join(top, "link"));
    await expectSame(top, false);
    rmSync(join(top, "link"));
    rmSync(join(top, "file"));
    symlinkSync("a.txt", join(top, "file"));
    await expectSame(top, false);
    rmSync(join(top, "file"));
    put(top, "new.sh", "#!/bin/sh\n");
    chmodSync(join(top, "new.sh"), 0o755);
    await expectSame(top, false);
  }, 60_000);

  test("a file where a link was, and with core.symlinks=false a link's file changed", async () => {
    const top = repository(base);
    symlinkSync("a.txt", join(top, "link"));
    symlinkSync("src", join(top, "folder-link"));
    gitIn(top, "add", "link", "folder-link");
    gitIn(top, "commit", "-qm", "links");
    rmSync(join(top, "link"));
    put(top, "link", "a file where a link was\n");
    await expectSame(top, true);
    gitIn(top, "config", "core.symlinks", "false");
    rmSync(join(top, "folder-link"));
    put(top, "folder-link", "src/deep");
    await expectSame(top, true);
  }, 60_000);

  test("names git quotes (a newline, a leading quote) and a changed .gitattributes are left to the index", async () => {
    for (const name of ["new\nline.txt", '"quoted.txt', "tab\there.txt", ".gitattributes", "src/.gitattributes"]) {
      const top = repository(base);
      put(top, name, "x\n");
      put(top, "a.txt", "changed\n");
      await expectSame(top, false);
    }
  }, 60_000);

  test("a submodule, an unmerged path and a skip-worktree entry are left to the index", async () => {
    const library = repository({ "lib.py": "v1\n" });
    const top = repository(base);
    gitIn(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", library, "vendor/lib");
    gitIn(top, "commit", "-qm", "submodule");
    put(top, "vendor/lib/lib.py", "v2\n");
    gitIn(join(top, "vendor/lib"), "commit", "-qam", "moved on");
    await expectSame(top, false);

    const merging = repository(base);
    gitIn(merging, "checkout", "-q", "-b", "other");
    put(merging, "a.txt", "other\n");
    gitIn(merging, "commit", "-qam", "other");
    gitIn(merging, "checkout", "-q", "main");
    put(merging, "a.txt", "main\n");
    gitIn(merging, "commit", "-qam", "main");
    Bun.spawnSync(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "merge", "-q", "other"], {
      cwd: merging,
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    put(merging, "a.txt", "resolved\n");
    await expectSame(merging, false);

    const sparse = repository(base);
    gitIn(sparse, "update-index", "--skip-worktree", "gone/one.txt");
    rmSync(join(sparse, "gone/one.txt"));
    put(sparse, "a.txt", "changed\n");
    await expectSame(sparse, false);
  }, 60_000);

  test("not-code folders: untracked and changed files there stay out either way; a staged change there is left to the index", async () => {
    const top = repository({ ...base, ".claude/settings.json": "{}\n" });
    put(top, ".claude/settings.json", '{"changed":true}\n');
    put(top, ".claude/new.md", "notes\n");
    put(top, "a.txt", "changed\n");
    await expectSame(top, true);
    gitIn(top, "add", ".claude/settings.json");
    await expectSame(top, false);
  }, 60_000);

  test("a folder whose files all went, beside one whose files changed", async () => {
    const top = repository(base);
    rmSync(join(top, "src/deep"), { recursive: true });
    put(top, "src/deep", "now a file\n");
    put(top, "a/inner.txt", "changed\n");
    rmSync(join(top, "a0"));
    await expectSame(top, true);
  }, 60_000);
});
