/**
 * Run commits, made with `git fast-import`: every blob of every run, and one commit per run, in
 * one process and one pack, straight from the bytes exprag hashed (a run still being written keeps
 * growing, so git must not read the file again on its own). Each commit goes onto the run's ref
 * on top of the last one, so a grown run is a fast-forward; the first has the run's code commit as
 * parent, so the code travels wherever the run goes. Never the user's identity, never signed, no
 * hooks, nothing of the index or the work tree.
 */
import { closeSync, fstatSync, readSync } from "node:fs";
import { isErrno } from "../errors";
import { firstLine, type Git, GitError } from "../git/repository";
import { openRegularFile } from "../record/reader";
import { RUN_COMMIT_IDENTITY } from "./layout";
import { type FileVersion, fileIdentity } from "./objects";

export interface PlannedCommit {
  ref: string;
  /** The run's previous commit; null for its first. */
  base: string | null;
  /** For a first commit: the run's code commit, its parent. */
  code: string | null;
  /** Files to store, by their name in the tree; the others stay as in `base`. */
  files: { name: string; version: FileVersion }[];
  message: string;
}

const CHUNK = 256 * 1024;

/** Why a commit was left out: a file of its was gone by the time it was read (a run deleted during the push), or another file had taken its place. */
export type LeftOut = "deleted" | "replaced";

/** Writes the commits; returns the refs of those left out, and why. */
export async function writeRunCommits(git: Git, commits: PlannedCommit[], now = new Date()): Promise<Map<string, LeftOut>> {
  const vanished = new Map<string, LeftOut>();
  if (commits.length === 0) return vanished;
  const proc = Bun.spawn(["git", "-c", "core.hooksPath=/dev/null", "fast-import", "--quiet", "--done"], {
    cwd: git.cwd,
    env: { ...git.env, LC_ALL: "C" },
    stdin: "pipe",
    stdout: "ignore",
    stderr: "pipe",
  });
  const stderr = new Response(proc.stderr).text();
  const sink = proc.stdin;
  const time = `${Math.floor(now.getTime() / 1000)} +0000`;
  let mark = 0;
  let pending = 0;
  const write = async (data: string | Uint8Array) => {
    sink.write(data);
    pending += data.length;
    if (pending >= 4 * CHUNK) {
      pending = 0;
      await sink.flush();
    }
  };
  try {
    for (const commit of commits) {
      // Its files are opened before anything of the commit is written: a run deleted meanwhile is left out whole.
      const fds = openAll(commit.files.map((file) => file.version));
      if (typeof fds === "string") {
        vanished.set(commit.ref, fds);
        continue;
      }
      const marks: string[] = [];
      try {
        for (const [i, { name, version }] of commit.files.entries()) {
          marks.push(`M 100644 :${++mark} ${name}\n`);
          await write(`blob\nmark :${mark}\ndata ${version.size}\n`);
          if (version.content) await write(version.content);
          else await copyPrefix(fds[i]!, version, write);
          await write("\n");
        }
      } finally {
        for (const fd of fds) if (fd >= 0) closeSync(fd);
      }
      const message = Buffer.from(commit.message);
      await write(`commit ${commit.ref}\ncommitter ${RUN_COMMIT_IDENTITY} ${time}\ndata ${message.length}\n`);
      await write(message);
      if (commit.base) await write(`\nfrom ${commit.base}\n`);
      else if (commit.code) await write(`\nfrom ${commit.code}\ndeleteall\n`);
      else await write("\n");
      await write(`${marks.join("")}\n`);
    }
    await write("done\n");
    await sink.end();
  } catch (error) {
    proc.kill();
    await proc.exited;
    throw error;
  }
  const code = await proc.exited;
  if (code !== 0) throw new GitError(`git fast-import failed: ${firstLine(await stderr) || `exit ${code}`}`);
  return vanished;
}

/**
 * The files, opened (-1 for a version that holds its bytes); "deleted" when one is gone,
 * "replaced" when one is another file than the one hashed.
 */
function openAll(versions: FileVersion[]): number[] | LeftOut {
  const fds: number[] = [];
  for (const version of versions) {
    if (version.content) {
      fds.push(-1);
      continue;
    }
    try {
      fds.push(openRegularFile(version.path));
      if (fileIdentity(fstatSync(fds.at(-1)!, { bigint: true })) !== version.file) {
        for (const fd of fds) if (fd >= 0) closeSync(fd);
        return "replaced";
      }
    } catch (error) {
      for (const fd of fds) if (fd >= 0) closeSync(fd);
      if (isErrno(error, "ENOENT")) return "deleted";
      throw error;
    }
  }
  return fds;
}

/** The first `size` bytes of the file, as they were hashed. */
async function copyPrefix(fd: number, version: FileVersion, write: (data: Uint8Array) => Promise<void>): Promise<void> {
  for (let position = 0; position < version.size; ) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, version.size - position));
    const bytes = readSync(fd, buffer, 0, buffer.length, position);
    if (bytes === 0) throw new GitError(`${version.path} got shorter while it was being pushed; push again`);
    await write(buffer.subarray(0, bytes));
    position += bytes;
  }
}
