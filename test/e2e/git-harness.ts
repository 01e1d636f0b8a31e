/** Temporary git repositories, and proof that exprag leaves them as they were. */
import { expect } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, exprag, onlyRun, type Result, runStart, tempDir } from "./harness";

/** A home without git configuration, so no test depends on the machine's identity or settings. */
const home = tempDir();

export const gitEnv = { HOME: home, GIT_CONFIG_NOSYSTEM: "1", XDG_CONFIG_HOME: join(home, ".config") };

/** Who the tests' commits are by, so no test needs the machine's git identity. */
export const gitIdentity = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

/** Runs git in `cwd` as the test's user would; throws with git's words on failure. */
export function git(cwd: string, ...args: string[]): string {
  const result = Bun.spawnSync(["git", ...args], { cwd, env: cleanEnv({ ...gitEnv, ...gitIdentity }), stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

export function makeRepo(files: Record<string, string> = { "train.py": "print('hi')\n", "README.md": "# project\n" }): string {
  const repo = tempDir();
  git(repo, "init", "-q", "-b", "main");
  for (const [path, content] of Object.entries(files)) write(repo, path, content);
  if (Object.keys(files).length) {
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "initial");
  }
  return repo;
}

/** A project pushed to a bare remote, and two clones of it (A records runs, B pulls them). */
export function clonedProject(files: Record<string, string> = { "train.py": "lr = 0.1\n", "README.md": "# project\n" }) {
  const origin = makeRepo(files);
  const root = tempDir();
  const bare = join(root, "remote.git");
  git(root, "clone", "-q", "--bare", origin, bare);
  const a = join(root, "a");
  const b = join(root, "b");
  git(root, "clone", "-q", bare, a);
  git(root, "clone", "-q", bare, b);
  return { root, bare, a, b };
}

export function write(repo: string, path: string, content: string | Buffer): void {
  mkdirSync(join(repo, path, ".."), { recursive: true });
  writeFileSync(join(repo, path), content);
}

/** Runs exprag in the repository (or a folder of it) with the clean git environment. */
export function runIn(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return exprag(args, { cwd, env: { ...gitEnv, ...env } });
}

/**
 * Everything exprag promises not to touch: HEAD, the index file's bytes, `ls-files -s`, the stash,
 * `git status`, every ref but its own, and every file of the work tree (content, mode, links).
 */
export function fingerprint(repo: string) {
  const indexPath = join(repo, ".git", "index");
  const index = existsSync(indexPath) ? createHash("sha1").update(readFileSync(indexPath)).digest("hex") : null;
  const quiet = (...args: string[]) => {
    const result = Bun.spawnSync(["git", ...args], { cwd: repo, env: cleanEnv({ ...gitEnv, GIT_OPTIONAL_LOCKS: "0" }), stdout: "pipe", stderr: "pipe" });
    return result.stdout.toString();
  };
  return {
    index,
    head: quiet("symbolic-ref", "-q", "HEAD") + quiet("rev-parse", "-q", "--verify", "HEAD"),
    lsFiles: quiet("ls-files", "-s"),
    stash: quiet("stash", "list"),
    status: quiet("status", "--porcelain=v1", "-uall"),
    refs: quiet("for-each-ref", "--format=%(refname) %(objectname)")
      .split("\n")
      .filter((line) => !line.startsWith("refs/heads/run/") && !line.startsWith("refs/exprag/"))
      .join("\n"),
    files: workTreeFiles(repo),
  };
}

/**
 * path -> "mode content-hash" for every file and link of the work tree, .git and the store aside.
 * Names are read as bytes (they need not be UTF-8); keys are their UTF-8 reading.
 */
export function workTreeFiles(dir: string, prefix: Buffer = Buffer.alloc(0)): Record<string, string> {
  const files: Record<string, string> = {};
  const base = Buffer.from(`${dir}/`);
  for (const name of readdirSync(Buffer.concat([base, prefix]), { encoding: "buffer" })) {
    const path = prefix.length ? Buffer.concat([prefix, Buffer.from("/"), name]) : name;
    const key = path.toString();
    if (key === ".git" || key === ".exprag") continue;
    const full = Buffer.concat([base, path]);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) files[key] = `120000 ${readlinkSync(full)}`;
    else if (stat.isDirectory()) {
      if (existsSync(Buffer.concat([full, Buffer.from("/.git")]))) files[`${key}/`] = "nested repository";
      else Object.assign(files, workTreeFiles(dir, path));
    } else files[key] = `${stat.mode & 0o111 ? "100755" : "100644"} ${createHash("sha1").update(readFileSync(full)).digest("hex")}`;
  }
  return files;
}

/** path -> "mode content-hash" for every entry of a commit's tree, in the form of workTreeFiles. */
export function commitFiles(repo: string, commit: string): Record<string, string> {
  const files: Record<string, string> = {};
  const listing = Bun.spawnSync(["git", "ls-tree", "-r", "-z", commit], { cwd: repo, env: cleanEnv(gitEnv), stdout: "pipe" }).stdout;
  for (const entry of listing.toString("latin1").split("\0").filter(Boolean)) {
    const [meta, path] = entry.split("\t") as [string, string];
    const [mode, , oid] = meta.split(" ") as [string, string, string];
    const blob = Bun.spawnSync(["git", "cat-file", "blob", oid], { cwd: repo, env: cleanEnv(gitEnv), stdout: "pipe" }).stdout;
    const name = Buffer.from(path, "latin1").toString();
    files[name] = mode === "120000" ? `120000 ${blob.toString()}` : `${mode} ${createHash("sha1").update(blob).digest("hex")}`;
  }
  return files;
}

/** Runs exprag in the repository and proves nothing of the user's changed; returns the run's git record. */
export async function runUntouched(repo: string, args: string[] = ["run", "--", "true"], cwd = repo, env: Record<string, string | undefined> = {}) {
  const before = fingerprint(repo);
  const result = await runIn(cwd, args, env);
  expect(fingerprint(repo)).toEqual(before);
  return { result, git: runStart(onlyRun(join(repo, ".exprag"))).git };
}
