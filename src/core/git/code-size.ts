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

/** The code difference between two runs: its size, and the paths of the files that differ. */
export interface CodeChange {
  size: CodeSize;
  paths: string[];
}

/**
 * A measure of `from` against `to` in the repository at `cwd`, sizes and file names; null when
 * there is none or a run's commit is not in it. The repository is looked for at the first call.
 */
export function codeChangeMeasure(cwd: string, env: NodeJS.ProcessEnv, store: string): (from: string, to: string) => CodeChange | null {
  let opened: ReturnType<typeof openRepository> | undefined;
  return (from, to) => {
    opened ??= openRepository(cwd, env);
    if (typeof opened === "string") return null;
    try {
      const { files } = diffRuns(opened.git, opened.repo, store, from, to, { stat: true });
      const sum = (key: "added" | "deleted") => files.reduce((total, file) => total + (file[key] ?? 0), 0);
      return {
        size: { files: files.length, added: sum("added"), deleted: sum("deleted"), binary: files.filter((file) => file.added === null).length },
        paths: files.map((file) => file.path),
      };
    } catch (error) {
      if (error instanceof UserError) return null;
      throw error;
    }
  };
}

/** A measure of `from` against `to` in the repository at `cwd`; null when there is none or a run's commit is not in it. */
export function codeSizeMeasure(cwd: string, env: NodeJS.ProcessEnv, store: string): (from: string, to: string) => CodeSize | null {
  const measure = codeChangeMeasure(cwd, env, store);
  return (from, to) => measure(from, to)?.size ?? null;
}
