/**
 * `exprag push` and `exprag pull`: runs sent to or brought from a git remote, with their code.
 * The remote is the one named, else the branch's upstream remote, else origin.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EXIT, UserError } from "../errors";
import { openRepositoryOrFail } from "../git/repository";
import { isFiltered, type Selection, selectRuns } from "../query/selection";
import { projectNotesPath } from "../record/project-notes";
import { listRunIds } from "../record/refs";
import { type PullOutcome, pullRuns } from "../remote/pull";
import { type PushOutcome, pushRuns } from "../remote/push";
import { chooseRemote } from "../remote/remote-name";
import type { TransferOptions } from "../remote/transfer";
import { isExplicitStore } from "../store";
import type { AnswerContext } from "./context";

interface RemoteRequest {
  /** A remote, URL or path; undefined: the upstream remote, else origin. */
  remote: string | undefined;
  selection: Selection;
  transfer: TransferOptions;
}

export interface PushRequest extends RemoteRequest {
  /** Send output logs too. */
  withLog: boolean;
}

export interface PullRequest extends RemoteRequest {
  /** `--dir` as given: a store named on purpose may be reached through a link. */
  dir: string | undefined;
  /** Pulled files larger than this are not written. */
  maxBytes: number;
}

export async function answerPush(request: PushRequest, { store, cwd, env, warn }: AnswerContext): Promise<{ data: PushOutcome; remote: string }> {
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const remote = chooseRemote(git, repo, request.remote, "push");
  const { selection } = request;
  const everything = selection.references.length === 0 && !isFiltered(selection);
  const runIds = everything
    ? listRunIds(store)
    : selectRuns(store, selection, Number.POSITIVE_INFINITY, warn)
        .runs.map((view) => view.runId)
        .reverse();
  // A store of project notes alone still has them to push.
  if (runIds.length === 0 && !(everything && existsSync(projectNotesPath(store)))) {
    throw new UserError(`no runs to push in ${store}`, EXIT.failure, "record one with: exprag run -- <command>");
  }
  const data = await pushRuns(git, {
    store,
    hashCache: join(repo.gitDir, "exprag-hashes"),
    runIds,
    remote,
    withLog: request.withLog,
    transfer: request.transfer,
    warn,
  });
  return { data, remote };
}

export async function answerPull(request: PullRequest, { store, cwd, env, warn }: AnswerContext): Promise<{ data: PullOutcome; remote: string }> {
  const { git, repo } = openRepositoryOrFail(cwd, env);
  const remote = chooseRemote(git, repo, request.remote, "pull");
  const data = await pullRuns(git, {
    store,
    explicitStore: isExplicitStore(request.dir, env),
    remote,
    selection: request.selection,
    maxBytes: request.maxBytes,
    transfer: request.transfer,
    warn,
  });
  return { data, remote };
}
