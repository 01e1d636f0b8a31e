/** `exprag files`: the files of a run's code, or only those its snapshot changed. */
import { changedRunFiles, listRunFiles, pathFromHere } from "../git/files";
import { openRepositoryOrFail } from "../git/repository";
import type { AnswerContext } from "./context";

export interface FilesRequest {
  run: string;
  /** Only files under these paths, from the working directory. */
  paths: string[];
  /** Only the files the run's snapshot changed against the HEAD it started from. */
  changed: boolean;
}

export type FilesAnswer = { data: ReturnType<typeof listRunFiles>; changed: false } | { data: ReturnType<typeof changedRunFiles>; changed: true };

export function answerFiles(request: FilesRequest, { store, cwd, env, warn }: AnswerContext): FilesAnswer {
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const paths = request.paths.map((path) => pathFromHere(repo.top, cwd, path));
  if (request.changed) return { data: changedRunFiles(git, store, request.run, paths, warn), changed: true };
  return { data: listRunFiles(git, store, request.run, paths, warn), changed: false };
}
