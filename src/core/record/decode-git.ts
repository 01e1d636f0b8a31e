/**
 * The git record of a run_start, in this exprag's shape whichever exprag wrote it (the tolerant
 * decoding of ./decode.ts, for the one record whose shape changed between the original's releases).
 */
import { asBoolean, asFiniteNumber, asObject, asString, asStrings, type JsonObject } from "./json-values";
import type { GitRecord, SkippedFile, SubmoduleState } from "./schema";
import { isConfinedPath, OBJECT_ID } from "./untrusted";

/**
 * The git record in this exprag's shape. The original's releases stored it otherwise: 0.1.2 as
 * `{branch, commit, dirty}` (a dirty run's commit is the snapshot, on `run/<id>`), 0.1.1 with the
 * snapshot in `run_commit`/`run_branch` (its `commit` is HEAD), 0.1.0 with no snapshot, only
 * `status` and `diff` text. A commit that is not an object id (a crafted `"HEAD"`) counts as none.
 */
export function decodeGit(git: JsonObject): GitRecord {
  const dirty = asBoolean(git.dirty);
  const branch = asString(git.branch);
  const ours = "snapshot_ref" in git || "head" in git;
  let commit = asString(git.commit);
  let head = asString(git.head);
  let snapshotRef = asString(git.snapshot_ref);
  let runBranch = branch;
  let note = asString(git.note);
  if (!ours) {
    const runCommit = asString(git.run_commit);
    if (runCommit !== null || "run_branch" in git) {
      // 0.1.1: commit is HEAD, the snapshot is run_commit on run_branch.
      head = commit;
      commit = runCommit ?? commit;
      runBranch = asString(git.run_branch) ?? branch;
      snapshotRef = runCommit !== null && runBranch ? `refs/heads/${runBranch}` : null;
      if (dirty && runCommit === null) note = "recorded by the original exprag 0.1.1 without a snapshot commit: this is its HEAD, without the changes";
    } else if ("diff" in git) {
      // 0.1.0: no snapshot at all.
      head = commit;
      if (dirty)
        note =
          "recorded by the original exprag 0.1.0, which made no snapshot: this is its HEAD; its uncommitted changes exist only as text in git.diff (exprag show --json)";
    } else if (dirty && branch?.startsWith("run/")) {
      // 0.1.2: the snapshot is the commit, on run/<id>.
      snapshotRef = `refs/heads/${branch}`;
    } else {
      head = commit;
      if (dirty) note = "recorded by the original exprag without a snapshot: this is its HEAD, without the uncommitted changes";
    }
  }
  if (commit !== null && !OBJECT_ID.test(commit)) {
    note = `the recorded commit ${JSON.stringify(commit.slice(0, 80))} is not an object id`;
    commit = null;
  }
  if (head !== null && !OBJECT_ID.test(head)) head = null;
  const status = git.status;
  const tree = asString(git.tree);
  const top = asString(git.top);
  // Fields set in this order (the order show prints), none spread: every run a listing reads is decoded.
  const decoded = { commit } as GitRecord;
  if (tree !== null && OBJECT_ID.test(tree)) decoded.tree = tree;
  decoded.branch = runBranch;
  decoded.head = head;
  decoded.dirty = dirty;
  decoded.snapshot_ref = snapshotRef;
  decoded.status = typeof status === "string" ? statusFromText(status) : decodeStatus(status);
  decoded.skipped = Array.isArray(git.skipped) ? git.skipped.flatMap(decodeSkipped) : [];
  decoded.submodules = Array.isArray(git.submodules) ? git.submodules.flatMap(decodeSubmodule) : [];
  if (note !== null) decoded.note = note;
  if (top !== null) decoded.top = top;
  return decoded;
}

function statusFromText(text: string): GitRecord["status"] {
  const lines = text.split("\n").filter(Boolean);
  return { lines: lines.slice(0, 100), total: lines.length };
}

function decodeStatus(value: unknown): GitRecord["status"] {
  const status = asObject(value);
  const lines = asStrings(status.lines) ?? [];
  return { lines, total: asFiniteNumber(status.total) ?? lines.length };
}

function decodeSkipped(value: unknown): SkippedFile[] {
  const item = asObject(value);
  const path = asString(item.path);
  if (path === null || !isConfinedPath(path)) return [];
  const bytes = asFiniteNumber(item.bytes);
  return [{ path, reason: asString(item.reason) ?? "", ...(bytes !== null && { bytes }) }];
}

function decodeSubmodule(value: unknown): SubmoduleState[] {
  const item = asObject(value);
  const path = asString(item.path);
  return path === null || !isConfinedPath(path) ? [] : [{ path, commit: asString(item.commit), dirty: item.dirty === true }];
}
