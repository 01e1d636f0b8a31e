/**
 * Reading many git objects with one process each way: `cat-file --batch-check` for what objects
 * are, `cat-file --batch` for their contents; small ones in memory, blobs streamed into files.
 */
import { closeSync, writeSync } from "node:fs";
import { firstLine, type Git, GitError } from "../git/repository";

export interface ObjectInfo {
  type: string;
  size: number;
}

/** What each named object is (`<rev>` expressions like `<oid>^{commit}` too); missing ones are absent. */
export function objectInfo(git: Git, names: string[]): Map<string, ObjectInfo & { id: string }> {
  const found = new Map<string, ObjectInfo & { id: string }>();
  if (names.length === 0) return found;
  const result = git.run(["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"], { input: `${names.join("\n")}\n` });
  if (result.code !== 0) throw new GitError(`git cat-file failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
  const lines = result.stdout.toString().split("\n");
  names.forEach((name, i) => {
    const [id = "", type = "", size = ""] = (lines[i] ?? "").split(" ");
    if (type && type !== "missing" && size) found.set(name, { id, type, size: Number(size) });
  });
  return found;
}

/** A run's tree lists three files in a few hundred bytes; a tree past this came from no exprag and is not read. */
const MAX_TREE_BYTES = 64 * 1024;

/**
 * The contents of trees, by id, read in one go. A tree that is not there, is no tree, or is
 * larger than any run's tree is left out: trees from a remote are untrusted.
 */
export function readTrees(git: Git, ids: string[]): Map<string, Buffer> {
  const info = objectInfo(git, ids);
  return readSmallObjects(
    git,
    ids.filter((id) => info.get(id)?.type === "tree" && info.get(id)!.size <= MAX_TREE_BYTES),
  );
}

/** The contents of small objects, by id, read in one go. */
function readSmallObjects(git: Git, ids: string[]): Map<string, Buffer> {
  const contents = new Map<string, Buffer>();
  if (ids.length === 0) return contents;
  const result = git.run(["cat-file", "--batch"], { input: `${ids.join("\n")}\n` });
  if (result.code !== 0) throw new GitError(`git cat-file failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
  const out = result.stdout;
  let at = 0;
  for (const id of ids) {
    const newline = out.indexOf(10, at);
    if (newline < 0) break;
    const [, type = "", size = ""] = out.toString("latin1", at, newline).split(" ");
    at = newline + 1;
    if (type === "missing" || !size) continue;
    const length = Number(size);
    contents.set(id, out.subarray(at, at + length));
    at += length + 1;
  }
  return contents;
}

/** Blob `id` to be written, whole, into the file `open` creates (opened when its bytes come, closed after). */
export interface BlobJob {
  id: string;
  open: () => number;
}

/**
 * Streams each blob into its file, in order, through one `cat-file --batch`: memory stays at a
 * chunk and one file is open whatever the blobs' sizes and count. A blob git does not have fails
 * the whole stream (callers check objects first).
 */
export async function streamBlobs(git: Git, jobs: BlobJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const proc = Bun.spawn(["git", "-c", "core.hooksPath=/dev/null", "cat-file", "--batch"], {
    cwd: git.cwd,
    env: { ...git.env, LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" },
    stdin: Buffer.from(`${jobs.map((job) => job.id).join("\n")}\n`),
    stdout: "pipe",
    stderr: "pipe",
  });
  let job = 0;
  const stderr = new Response(proc.stderr).text();
  try {
    await copyOut(proc.stdout as AsyncIterable<Uint8Array>, jobs, () => job++);
  } catch (error) {
    proc.kill();
    await proc.exited;
    throw error;
  }
  const code = await proc.exited;
  if (code !== 0 || job < jobs.length) throw new GitError(`git cat-file failed: ${firstLine(await stderr) || `exit ${code}`}`);
}

/** cat-file --batch's output, each blob written to its job's file; `done` is called after each. */
async function copyOut(stdout: AsyncIterable<Uint8Array>, jobs: BlobJob[], done: () => void): Promise<void> {
  let job = 0;
  let remaining = -1; // bytes of the current blob still to come; -1 while reading a header
  let header: Buffer[] = [];
  let skipNewline = false;
  let fd = -1;
  const finish = () => {
    if (fd >= 0) closeSync(fd);
    fd = -1;
  };
  try {
    for await (const chunk of stdout) copyChunk(chunk);
  } finally {
    finish();
  }
  function copyChunk(chunk: Uint8Array): void {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (bytes.length > 0) {
      if (skipNewline) {
        bytes = bytes.subarray(1);
        skipNewline = false;
        continue;
      }
      if (remaining < 0) {
        const newline = bytes.indexOf(10);
        if (newline < 0) {
          header.push(Buffer.from(bytes));
          break;
        }
        const line = Buffer.concat([...header, bytes.subarray(0, newline)]).toString("latin1");
        header = [];
        bytes = bytes.subarray(newline + 1);
        const [, type = "", size = ""] = line.split(" ");
        if (type !== "blob") throw new GitError(`git cat-file: ${jobs[job]?.id} is ${type || "unreadable"}, not a file`);
        remaining = Number(size);
        fd = jobs[job]!.open();
      }
      const take = Math.min(remaining, bytes.length);
      if (take > 0) writeAll(fd, bytes.subarray(0, take));
      bytes = bytes.subarray(take);
      remaining -= take;
      if (remaining === 0) {
        finish();
        remaining = -1;
        skipNewline = true;
        job++;
        done();
      }
    }
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
