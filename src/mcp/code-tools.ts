/**
 * The tools about a run's code: diff_runs (exprag diff, as data), read_run_file (a file of a
 * run's commit) and checkout_worktree (exprag checkout --worktree). Each opens the repository of
 * the working directory, as the commands do.
 */

import { z } from "zod";
import { answerCheckout } from "../core/answers/checkout";
import { answerDiff } from "../core/answers/diff";
import { answerReadRunFile } from "../core/answers/run-file";
import { MAX_RUN_FILE_BYTES } from "../core/git/files";
import { shortId } from "../core/record/refs";
import { runInput } from "./inputs";
import type { ToolSpec } from "./tool";

/** Patches and files larger than this come back cut, saying so: a client hands all of it to a model. */
export const MAX_TEXT_BYTES = 100_000;

const diffRunsInput = {
  run: runInput("The run to compare"),
  other: runInput("The run to compare it with").optional().describe("A second run; without it, the work tree as it is now (untracked files included)"),
  stat: z.boolean().optional().describe("Only the files that changed, with their line counts; no patch"),
  paths: z.array(z.string().min(1)).optional().describe("Only these paths (files or folders, from the working directory)"),
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
  answer(input, context) {
    const request = { run: input.run, other: input.other ?? null, paths: input.paths ?? [], stat: input.stat === true, maxPatchBytes: MAX_TEXT_BYTES };
    const { data: diff } = answerDiff(request, context);
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
  path: z.string().describe('A path from the top of the repository (or an absolute one inside it): a file gives its text, a folder its entries; "" is the top'),
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
  answer(input, context) {
    const window = { startLine: input.start_line ?? 1, maxLines: input.max_lines ?? Number.POSITIVE_INFINITY, maxTextBytes: MAX_TEXT_BYTES };
    const { data } = answerReadRunFile({ run: input.run, path: input.path, from: "top", maxBytes: MAX_RUN_FILE_BYTES, ...window }, context);
    const where = `${data.path || "(top)"} in run ${shortId(data.run_id)} (commit ${data.commit.slice(0, 12)})`;
    if (data.kind === "directory") return { data, summary: `${where}: a folder of ${data.entries.length} entries` };
    if (data.kind === "symlink") return { data, summary: `${where}: a link to ${data.target}` };
    if (data.kind === "submodule") return { data, summary: `${where}: a submodule at ${data.submodule_commit}` };
    if (!("start_line" in data)) return { data, summary: `${where}: a binary file of ${data.size} bytes` };
    const { start_line: start, lines, total_lines: total, truncated } = data;
    const range = lines ? `lines ${start}-${start + lines - 1} of ${total}` : `no lines (it has ${total})`;
    return { data, summary: `${where}: ${range}${truncated ? `; cut at ${MAX_TEXT_BYTES} bytes, ask for start_line ${start + lines}` : ""}` };
  },
};

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
    "{run_id, commit, worktree, branch, in_place: false}.",
  input: checkoutInput,
  effect: "adds",
  answer(input, context) {
    const { data } = answerCheckout({ run: input.run, worktree: input.dir, branch: input.branch ?? null }, context);
    return {
      data,
      summary: `run ${shortId(data.run_id)}: its code is in ${data.worktree} (commit ${data.commit.slice(0, 12)}${data.branch ? `, branch ${data.branch}` : ", detached"})`,
    };
  },
};

export const codeTools = [diffRunsTool, readRunFileTool, checkoutWorktreeTool];
