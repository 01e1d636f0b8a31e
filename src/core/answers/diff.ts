/** `exprag diff --json` and diff_runs: how the code of two runs differs, or of a run and the work tree. */
import { projectSnapshotLimits } from "../config";
import { diffRuns, type RunDiff } from "../git/diff";
import { openRepositoryOrFail } from "../git/repository";
import { type AnswerContext, configOf } from "./context";

export interface DiffRequest {
  run: string;
  /** A second run; null is the work tree as it is now. */
  other: string | null;
  /** Only these paths, as git reads them from the working directory. */
  paths: string[];
  /** The files only, no patch. */
  stat: boolean;
  /** Cut the patch after this many bytes (default: no limit). */
  maxPatchBytes?: number;
}

export interface DiffAnswer {
  data: RunDiff;
}

export function answerDiff(request: DiffRequest, { store, cwd, env, config, warn }: AnswerContext): DiffAnswer {
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const limits = projectSnapshotLimits(configOf({ config, cwd, env })());
  const options = { paths: request.paths, stat: request.stat, cwd, maxPatchBytes: request.maxPatchBytes, limits };
  return { data: diffRuns(git, repo, store, request.run, request.other, options, warn) };
}
