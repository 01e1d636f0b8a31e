/**
 * How big the code difference between two runs is: files changed, lines added and deleted, as
 * `git diff --numstat` counts them between the runs' recorded commits (snapshots for dirty trees).
 */
import { UserError } from "../errors";
import { diffRuns } from "./diff";
import { openRepository } from "./repository";

export interface CodeSize {
  files: number;
  added: number;
  deleted: number;
  /** Files whose lines git does not count (binary). */
  binary: number;
}

/** A measure of `from` against `to` in the repository at `cwd`; null when there is none or a run's commit is not in it. */
export function codeSizeMeasure(cwd: string, env: NodeJS.ProcessEnv, store: string): (from: string, to: string) => CodeSize | null {
  const opened = openRepository(cwd, env);
  if (typeof opened === "string") return () => null;
  return (from, to) => {
    try {
      const { files } = diffRuns(opened.git, opened.repo, store, from, to, { stat: true });
      const sum = (key: "added" | "deleted") => files.reduce((total, file) => total + (file[key] ?? 0), 0);
      return { files: files.length, added: sum("added"), deleted: sum("deleted"), binary: files.filter((file) => file.added === null).length };
    } catch (error) {
      if (error instanceof UserError) return null;
      throw error;
    }
  };
}
