/**
 * `exprag pull`: one `git fetch` of the remote's run refs and snapshot refs (into
 * `refs/exprag/fetched/`, pruned, so they say exactly what the remote has), then each run the
 * remote has that this store lacks, or has grown, is written into the store. A local file that
 * differs otherwise is kept, and said so. The run refs here follow (`refs/exprag/runs/<id>`) so
 * that a push from here builds on what was pulled, and pulled snapshots get
 * `refs/exprag/snapshots/<id>`, so their code stays for checkout and diff. The remote's project
 * notes are merged into this store's whatever the selection (./project-notes.ts).
 */

import { EXIT, errnoReason, UserError } from "../errors";
import { END_OF_OPTIONS } from "../git/option-words";
import {
  FALLBACK_REF_PREFIX,
  FETCHED_PROJECT_PREFIX,
  FETCHED_RUNS_PREFIX,
  FETCHED_SNAPSHOTS_PREFIX,
  PROJECT_PREFIX,
  RUNS_PREFIX,
  SNAPSHOT_BRANCH_PREFIX,
  SNAPSHOTS_PREFIX,
} from "../git/ref-names";
import { firstLine, type Git, GitError } from "../git/repository";
import { isFiltered, type Selection, selectRuns } from "../query/selection";
import { resolveRunRef, shortId } from "../record/refs";
import { ensureStore } from "../store";
import { objectInfo, readTrees } from "./batch";
import { Staging } from "./incoming";
import { FILE_KINDS, type RunFileKind, TREE_NAMES } from "./layout";
import { objectFormat, parseTree, treeId } from "./objects";
import { mergeFetchedNotes, type PulledNotes } from "./project-notes";
import { type RunVersions, runVersions, treeOf } from "./run-files";
import { runRefs } from "./run-refs";
import { apply, type Candidate, stage } from "./stage-pulled";
import { withRemoteLock } from "./store-lock";
import { gitComplaint, type TransferOptions, transfer } from "./transfer";

export interface PullRequest {
  store: string;
  /** The store was named (--dir, EXPRAG_DIR), so it may be reached through a link. */
  explicitStore: boolean;
  remote: string;
  selection: Selection;
  /** Pulled files larger than this are not written. */
  maxBytes: number;
  transfer: TransferOptions;
  warn: (message: string) => void;
}

export interface PulledRun {
  run_id: string;
  commit: string;
  /** The files written: run, log, annotations. */
  files: RunFileKind[];
}

export interface PullOutcome {
  remote: string;
  /** Runs this store did not have. */
  pulled: PulledRun[];
  /** Runs whose file, log or annotations the remote had more of. */
  grown: PulledRun[];
  /** Runs whose local files were kept although the remote's differ, and why. */
  kept: { run_id: string; reason: string }[];
  up_to_date: number;
  /** Runs the remote has news of that the selection left out. */
  not_selected: number;
  /** The remote's project notes merged into this store's; null when it has none. */
  project_notes: PulledNotes | null;
}

export function pullRuns(git: Git, request: PullRequest): Promise<PullOutcome> {
  return withRemoteLock(request.store, "exprag pull", request.warn, () => pullRunsLocked(git, request));
}

async function pullRunsLocked(git: Git, request: PullRequest): Promise<PullOutcome> {
  const { remote, store, warn } = request;
  const outcome: PullOutcome = { remote, pulled: [], grown: [], kept: [], up_to_date: 0, not_selected: 0, project_notes: null };
  const fetched = await transfer(
    git,
    [
      "fetch",
      "--no-tags",
      "--prune",
      "--no-write-fetch-head",
      "--recurse-submodules=no",
      END_OF_OPTIONS,
      remote,
      `+${RUNS_PREFIX}*:${FETCHED_RUNS_PREFIX}*`,
      `+${SNAPSHOTS_PREFIX}*:${FETCHED_SNAPSHOTS_PREFIX}*`,
      `+${PROJECT_PREFIX}*:${FETCHED_PROJECT_PREFIX}*`,
    ],
    request.transfer,
  );
  if (fetched.code !== 0) throw new UserError(`git fetch from ${remote} failed: ${gitComplaint(fetched.stderr) || `exit ${fetched.code}`}`, EXIT.failure);
  const format = objectFormat(git);
  outcome.project_notes = mergeFetchedNotes(git, store, request.maxBytes, warn, () => ensureStore(store, request.explicitStore));
  const remoteRuns = runRefs(git, FETCHED_RUNS_PREFIX);
  const remoteSnapshots = runRefs(git, FETCHED_SNAPSHOTS_PREFIX);
  const localRuns = runRefs(git, RUNS_PREFIX);
  const localSnapshots = runRefs(git, SNAPSHOTS_PREFIX);
  const ids = chosenIds([...remoteRuns.keys()].sort(), request);
  const trees = readTrees(git, [...new Set(ids.map((id) => remoteRuns.get(id)!.tree))]);
  const refUpdates: string[] = [];
  /**
   * The run ref here follows the remote's when this store now holds all the remote has of the run,
   * so that a push from here builds on it. It stays where nothing changed here since its commit and
   * that commit already builds on the remote's (this store pushed it there, or elsewhere since).
   */
  const follow = (runId: string, versions: RunVersions) => {
    const here = localRuns.get(runId);
    const there = remoteRuns.get(runId)!;
    if (here?.commit === there.commit) return;
    if (here && here.tree === treeId(treeOf(versions, null), format) && git.run(["merge-base", "--is-ancestor", there.commit, here.commit]).code === 0) return;
    refUpdates.push(here ? `update ${RUNS_PREFIX}${runId} ${there.commit} ${here.commit}` : `create ${RUNS_PREFIX}${runId} ${there.commit}`);
  };
  // A run recorded here keeps its own run/<id>; a second ref for the same snapshot would only be clutter.
  const recordedHere = remoteSnapshots.size
    ? new Set([...runRefs(git, `refs/heads/${SNAPSHOT_BRANCH_PREFIX}`).keys(), ...runRefs(git, FALLBACK_REF_PREFIX).keys()])
    : new Set();
  const keepSnapshot = (runId: string) => {
    const snapshot = remoteSnapshots.get(runId);
    // Only a commit (one with a tree) is a snapshot: a remote's ref may name a blob or a tree.
    if (snapshot?.tree && !localSnapshots.has(runId) && !recordedHere.has(runId)) refUpdates.push(`create ${SNAPSHOTS_PREFIX}${runId} ${snapshot.commit}`);
  };

  const candidates: Candidate[] = [];
  for (const runId of ids) {
    const there = remoteRuns.get(runId)!;
    const entries = parseTree(trees.get(there.tree) ?? Buffer.alloc(0), format);
    if (!entries.has(TREE_NAMES.run)) {
      outcome.kept.push({ run_id: runId, reason: `${remote} holds no run file for it` });
      continue;
    }
    let versions: RunVersions;
    try {
      versions = runVersions(store, runId, format, false);
    } catch (error) {
      outcome.kept.push({ run_id: runId, reason: `its files here cannot be read (${errnoReason(error)})` });
      continue;
    }
    const differing = FILE_KINDS.filter((kind) => entries.has(TREE_NAMES[kind]) && entries.get(TREE_NAMES[kind]) !== versions[kind]?.id);
    if (differing.length === 0) {
      outcome.up_to_date++;
      follow(runId, versions);
      keepSnapshot(runId);
      continue;
    }
    candidates.push({ runId, remote: there, entries, kinds: ["run", ...differing.filter((kind) => kind !== "run")] });
  }

  if (candidates.length) {
    /** Runs whose annotations on the remote pass --max-size: not even staged to judge the selection. */
    const tooLarge = new Set<string>();
    const sizes = objectInfo(
      git,
      candidates.flatMap((c) => c.kinds.map((kind) => c.entries.get(TREE_NAMES[kind])!)),
    );
    const fitting = candidates.filter((candidate) => {
      // A tree from a remote may name anything: each file must be a blob git has, checked before any is read.
      const broken = candidate.kinds.filter((kind) => sizes.get(candidate.entries.get(TREE_NAMES[kind])!)?.type !== "blob");
      if (broken.length) {
        const named = broken.map((kind) => TREE_NAMES[kind]).join(", ");
        outcome.kept.push({ run_id: candidate.runId, reason: `its ${named} on ${remote} is not a file git has (a malformed run); not pulled` });
        return false;
      }
      const tooBig = candidate.kinds.filter((kind) => (sizes.get(candidate.entries.get(TREE_NAMES[kind])!)?.size ?? 0) > request.maxBytes);
      if (tooBig.includes("run")) {
        outcome.kept.push({ run_id: candidate.runId, reason: `its run file on ${remote} is larger than --max-size; not pulled` });
        return false;
      }
      for (const kind of tooBig)
        warn(`run ${shortId(candidate.runId)}: its ${kind === "log" ? "output log" : kind} on ${remote} is larger than --max-size; not pulled`);
      if (tooBig.includes("annotations")) tooLarge.add(candidate.runId);
      candidate.kinds = candidate.kinds.filter((kind) => !tooBig.includes(kind));
      return true;
    });
    ensureStore(store, request.explicitStore);
    const staging = new Staging(store);
    try {
      // The run files and annotations first: the selection reads them (tags and decisions too, the
      // remote's as they are, even where they match this store's); the logs of the runs it keeps after.
      const judged = isFiltered(request.selection)
        ? fitting.map((candidate) =>
            candidate.entries.has(TREE_NAMES.annotations) && !tooLarge.has(candidate.runId)
              ? { ...candidate, kinds: [...new Set([...candidate.kinds, "annotations" as const])] }
              : candidate,
          )
        : fitting;
      await stage(git, staging, judged, ["run", "annotations"]);
      const selected = selectedIds(staging, fitting, request);
      await stage(
        git,
        staging,
        fitting.filter((candidate) => selected.has(candidate.runId)),
        ["log"],
      );
      for (const candidate of fitting) {
        if (!selected.has(candidate.runId)) {
          outcome.not_selected++;
          continue;
        }
        const applied = apply(staging, store, candidate);
        if (applied.kept) outcome.kept.push({ run_id: candidate.runId, reason: applied.kept });
        const moved: PulledRun = { run_id: candidate.runId, commit: candidate.remote.commit, files: applied.written };
        if (applied.placements.run === "new") outcome.pulled.push(moved);
        else if (applied.written.length) outcome.grown.push(moved);
        else if (!applied.kept) outcome.up_to_date++;
        if (applied.kept) continue;
        follow(candidate.runId, runVersions(store, candidate.runId, format, false));
        keepSnapshot(candidate.runId);
      }
    } finally {
      staging.remove();
    }
  }
  updateRefs(git, refUpdates);
  for (const { run_id, reason } of outcome.kept) warn(`run ${shortId(run_id)}: ${reason}`);
  return outcome;
}

/** The remote's runs the references name (all of them without references). */
function chosenIds(ids: string[], request: PullRequest): string[] {
  const { references } = request.selection;
  if (references.length === 0) return ids;
  return [
    ...new Set(
      references.map((reference) => {
        try {
          return resolveRunRef(request.store, reference, ids).runId;
        } catch (error) {
          if (!(error instanceof UserError) || error.exitCode === EXIT.usage) throw error;
          throw new UserError(`no single run on ${request.remote} matches '${reference}'`, EXIT.failure, "see exprag ls after a pull without references");
        }
      }),
    ),
  ];
}

/** The candidates the selection keeps, judged on the remote's version of each run. */
function selectedIds(staging: Staging, candidates: Candidate[], request: PullRequest): Set<string> {
  const all = new Set(candidates.map((c) => c.runId));
  if (!isFiltered(request.selection)) return all;
  const kept = selectRuns(staging.store, { ...request.selection, references: [] }, Number.POSITIVE_INFINITY, request.warn).runs;
  return new Set(kept.map((view) => view.runId).filter((id) => all.has(id)));
}

/** Moves the run refs and creates the snapshot refs in one transaction. */
function updateRefs(git: Git, updates: string[]): void {
  if (updates.length === 0) return;
  const result = git.run(["update-ref", "--stdin"], { input: `start\n${updates.join("\n")}\nprepare\ncommit\n` });
  if (result.code !== 0) throw new GitError(`git update-ref failed: ${firstLine(result.stderr) || `exit ${result.code}`}`);
}
