/**
 * Why push leaves a run on this side: the remote moved on, refused it for its own reasons, or the
 * run's commits would carry a log that --no-log keeps back.
 */
import type { Git } from "../git/repository";
import { TREE_NAMES } from "./layout";

/** Why --no-log leaves a run here: its commits, pushed with the log before, would carry the log along. */
export const LOG_IN_HISTORY =
  "its history here holds its output log (it was pushed with it before), which --no-log would send all the same; push it with its log, or leave it out";

/** Why a push of a run was refused when the remote moved on: a pull settles it. */
export const NOT_EXTENDED = "the remote holds a version of this run that this one does not extend";

export function rejection(summary: string): string {
  if (/non-fast-forward|fetch first|stale info/.test(summary)) return NOT_EXTENDED;
  return summary.replace(/[[\]]/g, "").trim() || "git did not push it";
}

/**
 * Whether pushing a run whose commits here hold its log (the last, `local`) sends a log the
 * remote (at `remote`) lacks: it has no commit of the run, or an older one with another log. A
 * remote ahead of this store (a commit not here) refuses the push as it is, sending nothing.
 */
export function wouldSendLog(git: Git, remote: string | undefined, local: string): boolean {
  if (remote === undefined) return true;
  if (remote === local) return false;
  const logAt = (commit: string) =>
    git
      .run(["rev-parse", "--verify", "--quiet", `${commit}:${TREE_NAMES.log}`])
      .stdout.toString()
      .trim();
  if (git.run(["merge-base", "--is-ancestor", remote, local]).code !== 0) return false;
  return logAt(remote) !== logAt(local);
}
