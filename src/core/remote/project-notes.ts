/**
 * The project notes (`exprag note --project`) on a remote, beside the runs. Push commits the
 * store's project-notes.jsonl onto `refs/exprag/project/notes` on top of the commit last pushed or
 * pulled, so a remote whose notes moved meanwhile refuses it until a pull. Pull fetches the
 * remote's and appends to this store's every line it lacks that passes the check of a remote's
 * note: notes added on both sides are all kept, corrections (`replaces`) and history with them.
 */
import { errnoCode } from "../errors";
import { FETCHED_PROJECT_PREFIX, PROJECT_NOTES_NAME, PROJECT_PREFIX } from "../git/ref-names";
import type { Git } from "../git/repository";
import { appendMissingLines } from "../record/line-merge";
import { isAcceptableProjectNote, projectNotesPath } from "../record/project-notes";
import { OBJECT_ID } from "../record/untrusted";
import { objectInfo } from "./batch";
import { hashLines, type ObjectFormat } from "./objects";
import { writeRunCommits } from "./pack";

export const PROJECT_NOTES_REF = `${PROJECT_PREFIX}${PROJECT_NOTES_NAME}`;
const FETCHED_NOTES_REF = `${FETCHED_PROJECT_PREFIX}${PROJECT_NOTES_NAME}`;
const TREE_NAME = "project-notes.jsonl";

export interface PulledNotes {
  /** Notes this store did not have, now added. */
  added: number;
  /** Lines of the remote's that are no note exprag wrote (malformed, oversized): left out. */
  dropped: number;
}

function refCommit(git: Git, ref: string): string | null {
  const result = git.run(["rev-parse", "--verify", "-q", `${ref}^{commit}`]);
  const commit = result.stdout.toString().trim();
  return result.code === 0 && OBJECT_ID.test(commit) ? commit : null;
}

/**
 * The commit of this store's project notes to push: the last one when they have not changed
 * since, else a new one on top of it. Null when the store has no project notes.
 */
export async function commitProjectNotes(git: Git, store: string, format: ObjectFormat, warn: (message: string) => void): Promise<string | null> {
  let version: ReturnType<typeof hashLines>;
  try {
    // By the notes it holds, not the order they came in: two stores with the same notes push the same blob.
    version = hashLines(projectNotesPath(store), format, false);
  } catch (error) {
    // A link or a folder in their place: no notes to push, said so; the runs go.
    const code = errnoCode(error);
    if (code === undefined) throw error;
    warn(`${projectNotesPath(store)}: cannot be read (${code}); the project notes are not pushed`);
    return null;
  }
  if (!version || version.size === 0) return null;
  const base = refCommit(git, PROJECT_NOTES_REF);
  if (base && objectInfo(git, [`${base}:${TREE_NAME}`]).get(`${base}:${TREE_NAME}`)?.id === version.id) return base;
  await writeRunCommits(git, [{ ref: PROJECT_NOTES_REF, base, code: null, files: [{ name: TREE_NAME, version }], message: "exprag: project notes\n" }]);
  return refCommit(git, PROJECT_NOTES_REF);
}

/**
 * Merges the project notes a fetch brought (none: null) into the store's, and makes the ref here
 * follow the remote's, so the next push builds on it. A file larger than `maxBytes` is not read;
 * `prepare` readies the store before the first write.
 */
export function mergeFetchedNotes(git: Git, store: string, maxBytes: number, warn: (message: string) => void, prepare: () => void): PulledNotes | null {
  const fetched = refCommit(git, FETCHED_NOTES_REF);
  if (!fetched) return null;
  const blob = objectInfo(git, [`${fetched}:${TREE_NAME}`]).get(`${fetched}:${TREE_NAME}`);
  if (blob?.type !== "blob") {
    warn("the remote's project notes are not a file git has; not pulled");
    return null;
  }
  if (blob.size > maxBytes) {
    warn("the remote's project notes are larger than --max-size; not pulled");
    return null;
  }
  const lines = git.run(["cat-file", "blob", blob.id]).stdout.toString().split("\n").filter(Boolean);
  const accepted = lines.filter(isAcceptableProjectNote);
  const dropped = lines.length - accepted.length;
  if (dropped) warn(`${dropped} line${dropped === 1 ? "" : "s"} of the remote's project notes are no project note; left out`);
  prepare();
  const added = appendMissingLines(projectNotesPath(store), accepted);
  git.run(["update-ref", PROJECT_NOTES_REF, fetched]);
  return { added, dropped };
}
