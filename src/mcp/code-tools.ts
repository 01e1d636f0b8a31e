/**
 * The tools about a run's code: diff_runs (exprag diff, as data), read_run_file (a file of a
 * run's commit) and checkout_worktree (exprag checkout --worktree). Each opens the repository of
 * the working directory, as the commands do.
 */

import { resolve } from "node:path";
import { z } from "zod";
import { loadProjectConfig, projectSnapshotLimits } from "../core/config";
import { diffRuns } from "../core/git/diff";
import { readRunFile } from "../core/git/files";
import { openRepositoryOrFail } from "../core/git/repository";
import { runCode } from "../core/git/restore";
import { addRunWorktree } from "../core/git/worktrees";
import { shortId } from "../core/record/refs";
import { runInput } from "./inputs";
import type { ToolSpec } from "./tool";

/** Patches and files larger than this come back cut, saying so: a client hands all of it to a model. */
export const MAX_TEXT_BYTES = 100_000;

const diffRunsInput = {
  run: runInput("The run to compare"),
  other: runInput("The run to compare it with").optional().describe("A second run; without it, the work tree as it is now (untracked files included)"),
  stat: z.boolean().optional().describe("Only the files that changed, with their line counts; no patch"),
  paths: z.array(z.string()).optional().describe("Only these paths (files or folders, from the working directory)"),
};
const diffRunsTool: ToolSpec<typeof diffRunsInput> = {
  name: "diff_runs",
  title: "Diff of two runs' code",
  description:
    "How the code of two runs differs (each run's exact recorded commit, a snapshot for a dirty tree), or of a run and the work tree " +
    `now: {from, to, files: [{path, status, old_path, added, deleted}], patch, truncated}. The patch is git's, cut after ${MAX_TEXT_BYTES} ` +
    "bytes (truncated: true); narrow it with paths, or pass stat for the files alone. Same comparison as `exprag diff`.",
  input: diffRunsInput,
  effect: "reads",
  answer(input, { store, cwd, env, warn }) {
    const { git, repo } = openRepositoryOrFail(cwd, env);
    const diff = diffRuns(
      git,
      repo,
      store,
      input.run,
      input.other ?? null,
      { paths: input.paths, stat: input.stat, cwd, maxPatchBytes: MAX_TEXT_BYTES, limits: projectSnapshotLimits(loadProjectConfig(cwd, env)) },
      warn,
    );
    const to = "run_id" in diff.to ? shortId(diff.to.run_id) : "the work tree";
    const files = diff.files.slice(0, 20).map((f) => `${f.status} ${f.old_path ? `${f.old_path} -> ` : ""}${f.path} (+${f.added ?? "-"} -${f.deleted ?? "-"})`);
    const lines = [`${diff.files.length} file${diff.files.length === 1 ? "" : "s"} changed from ${shortId(diff.from.run_id)} to ${to}`, ...files];
    if (diff.files.length > 20) lines.push(`... and ${diff.files.length - 20} more in the JSON`);
    if (diff.truncated) lines.push(`the patch is cut after ${MAX_TEXT_BYTES} bytes: pass paths for the rest`);
    return { data: diff, summary: lines };
  },
};

const readRunFileInput = {
  run: runInput(),
  path: z.string().describe('A path from the top of the repository: a file gives its text, a folder its entries; "" is the top'),
  start_line: z.number().int().min(1).optional().describe("The first line to give (default 1)"),
  max_lines: z.number().int().min(1).optional().describe("At most this many lines (default: all, up to the size limit)"),
};
const readRunFileTool: ToolSpec<typeof readRunFileInput> = {
  name: "read_run_file",
  title: "Read a file of a run's code",
  description:
    "A file as it was in a run's code (its recorded commit: `git show <commit>:<path>`), whatever the work tree holds now: " +
    "{run_id, commit, path, kind: file, size, executable, binary, start_line, lines, total_lines, text, truncated}; a folder gives " +
    `{kind: directory, entries: [{name, kind, size}]}, a link its target. Text past ${MAX_TEXT_BYTES} bytes is cut (truncated: true): ` +
    "ask for a later start_line. A binary file gives no text.",
  input: readRunFileInput,
  effect: "reads",
  answer(input, { store, cwd, env, warn }) {
    const { git } = openRepositoryOrFail(cwd, env);
    const file = readRunFile(git, store, input.run, input.path, warn);
    const where = `${file.path || "(top)"} in run ${shortId(file.run_id)} (commit ${file.commit.slice(0, 12)})`;
    if (file.kind === "directory") return { data: file, summary: `${where}: a folder of ${file.entries.length} entries` };
    if (file.kind === "symlink") return { data: file, summary: `${where}: a link to ${file.target}` };
    if (file.kind === "submodule") return { data: file, summary: `${where}: a submodule at ${file.submodule_commit}` };
    const { content, ...about } = file;
    if (file.binary) return { data: { ...about, text: null }, summary: `${where}: a binary file of ${file.size} bytes` };
    const start = input.start_line ?? 1;
    const { lines, total, text, truncated } = lineRange(content, start, input.max_lines ?? Number.POSITIVE_INFINITY, MAX_TEXT_BYTES);
    const data = { ...about, start_line: start, lines, total_lines: total, text, truncated };
    const range = lines ? `lines ${start}-${start + lines - 1} of ${total}` : `no lines (it has ${total})`;
    return { data, summary: `${where}: ${range}${truncated ? `; cut at ${MAX_TEXT_BYTES} bytes, ask for start_line ${start + lines}` : ""}` };
  },
};

/**
 * Lines `start` on (1-based) of a text, at most `maxLines` of them and `maxBytes` (a first line
 * longer than that is cut), ending as the text does (with a newline or not).
 */
export function lineRange(content: Buffer, start: number, maxLines: number, maxBytes: number) {
  const text = content.toString();
  const all = text.split("\n");
  const endsWithNewline = all.at(-1) === "";
  if (endsWithNewline) all.pop();
  const wanted = all.slice(start - 1, start - 1 + Math.min(maxLines, all.length));
  const kept: string[] = [];
  let bytes = 0;
  for (const line of wanted) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > maxBytes) {
      if (!kept.length) kept.push(Buffer.from(line).subarray(0, maxBytes).toString());
      break;
    }
    kept.push(line);
  }
  const truncated = kept.length < wanted.length || kept[0] !== wanted[0];
  const last = start - 1 + kept.length === all.length && !endsWithNewline && !truncated;
  return { lines: kept.length, total: all.length, text: kept.length ? `${kept.join("\n")}${last ? "" : "\n"}` : "", truncated };
}

const checkoutInput = {
  run: runInput(),
  dir: z.string().min(1).describe("A new folder for the worktree (from the working directory), such as ../best-run; it must not exist or be empty"),
  branch: z.string().min(1).optional().describe("Create this branch at the run's commit in the new worktree, instead of a detached HEAD"),
};
const checkoutWorktreeTool: ToolSpec<typeof checkoutInput> = {
  name: "checkout_worktree",
  title: "Check a run's code out into a new worktree",
  description:
    "Puts the exact code of a run (its recorded commit) in a new git worktree at dir; the current checkout, its branch and its " +
    "changes stay as they are, and nothing is deleted. Same as `exprag checkout <run> --worktree <dir>`. Answers " +
    "{run_id, commit, worktree, branch}.",
  input: checkoutInput,
  effect: "adds",
  answer(input, { store, cwd, env, warn }) {
    const { git } = openRepositoryOrFail(cwd, env);
    const { runId, commit } = runCode(git, store, input.run, warn);
    const worktree = resolve(cwd, input.dir);
    addRunWorktree(git, worktree, commit, input.branch);
    return {
      data: { run_id: runId, commit, worktree, branch: input.branch ?? null },
      summary: `run ${shortId(runId)}: its code is in ${worktree} (commit ${commit.slice(0, 12)}${input.branch ? `, branch ${input.branch}` : ", detached"})`,
    };
  },
};

export const codeTools = [diffRunsTool, readRunFileTool, checkoutWorktreeTool];
