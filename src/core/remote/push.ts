/**
 * `exprag push`: each run becomes a commit on `refs/exprag/runs/<run_id>` (its run file, output
 * log and annotations), a dirty run's snapshot goes to `refs/exprag/snapshots/<run_id>`, and all
 * of them go in one `git push` that never forces and never names a branch of the user's. A run
 * that has not changed since its last commit gets no new one, so a push with nothing new moves
 * nothing; git's answer confirms that the remote has it all. The project notes go along
 * (./project-notes.ts).
 */

import { EXIT, errnoReason, UserError } from "../errors";
import { END_OF_OPTIONS } from "../git/option-words";
import { PROJECT_PREFIX, RUNS_PREFIX, SNAPSHOTS_PREFIX } from "../git/ref-names";
import type { Git } from "../git/repository";
import { ownSnapshotRef } from "../git/snapshot-refs";
import { decodeRunStart } from "../record/decode";
import { readRunStart } from "../record/reader";
import { shortId } from "../record/refs";
import { OBJECT_ID } from "../record/untrusted";
import { objectInfo, readTrees } from "./batch";
import { HashCache } from "./hash-cache";
import { FILE_KINDS, TREE_NAMES } from "./layout";
import { objectFormat, parseTree, treeId } from "./objects";
import { type PlannedCommit, writeRunCommits } from "./pack";
import { commitProjectNotes, PROJECT_NOTES_REF } from "./project-notes";
import { LOG_IN_HISTORY, rejection, wouldSendLog } from "./push-refusals";
import { runFilePaths, runVersions, treeOf } from "./run-files";
import { type RunRef, runRefs } from "./run-refs";
import { withRemoteLock } from "./store-lock";
import { gitComplaint, type TransferOptions, transfer } from "./transfer";

export interface PushRequest {
  store: string;
  /** Where blob ids are remembered between pushes (in the git folder). */
  hashCache: string;
  runIds: string[];
  remote: string;
  /** Send output logs too. */
  withLog: boolean;
  transfer: TransferOptions;
  warn: (message: string) => void;
}

export interface PushedRun {
  run_id: string;
  ref: string;
  commit: string;
  /** The remote had an earlier commit of this run (it was still running then). */
  grew: boolean;
  /** Where the run's snapshot is on the remote, for a run that has one. */
  snapshot: string | null;
}

export interface PushOutcome {
  remote: string;
  pushed: PushedRun[];
  up_to_date: number;
  rejected: { run_id: string; ref: string; reason: string }[];
  /** The store's project notes: pushed, already there, rejected (the remote's moved on: pull first), or none to push. */
  project_notes: "pushed" | "up to date" | "rejected" | null;
}

interface Outgoing {
  runId: string;
  ref: string;
  snapshot: string | null;
}

export function pushRuns(git: Git, request: PushRequest): Promise<PushOutcome> {
  return withRemoteLock(request.store, "exprag push", request.warn, () => pushRunsLocked(git, request));
}

async function pushRunsLocked(git: Git, request: PushRequest): Promise<PushOutcome> {
  const outcome: PushOutcome = { remote: request.remote, pushed: [], up_to_date: 0, rejected: [], project_notes: null };
  const { outgoing, committed, existing, logged } = await commitRuns(git, request);
  const notes = await commitProjectNotes(git, request.store, objectFormat(git), request.warn);
  if (outgoing.length === 0 && notes === null) return outcome;
  const commits = committed ? runRefs(git, RUNS_PREFIX) : existing;
  const there = await remoteRefs(git, request);
  // What the remote should have: each run's latest commit, and the snapshot of each dirty run.
  const wanted = new Map<string, string>();
  const gone = new Set<string>();
  const presentSnapshots = commitsPresent(
    git,
    outgoing.flatMap(({ runId, snapshot }) => (snapshot && there.get(`${SNAPSHOTS_PREFIX}${runId}`) !== snapshot ? [snapshot] : [])),
  );
  for (const run of outgoing) {
    // Its commits hold its log (pushed with it to some remote): one that lacks them would get the log too.
    if (!request.withLog && logged.has(run.runId) && wouldSendLog(git, there.get(run.ref), existing.get(run.runId)!.commit)) {
      outcome.rejected.push({ run_id: run.runId, ref: run.ref, reason: LOG_IN_HISTORY });
      gone.add(run.ref);
      continue;
    }
    // A run whose ref is gone (deleted meanwhile) has nothing to push: an empty side would delete the remote's.
    const commit = commits.get(run.runId)?.commit;
    if (!commit) {
      gone.add(run.ref);
      request.warn(`run ${shortId(run.runId)}: it was deleted during the push; not pushed`);
      continue;
    }
    wanted.set(run.ref, commit);
    const snapshotRef = `${SNAPSHOTS_PREFIX}${run.runId}`;
    // A snapshot goes when the remote lacks it and this repository has it.
    if (run.snapshot && (there.get(snapshotRef) === run.snapshot || presentSnapshots.has(run.snapshot))) wanted.set(snapshotRef, run.snapshot);
    else run.snapshot = null;
  }
  if (notes) wanted.set(PROJECT_NOTES_REF, notes);
  const refspecs = [...wanted].filter(([ref, commit]) => there.get(ref) !== commit).map(([ref, commit]) => `${commit}:${ref}`);
  const statuses = await pushRefspecs(git, request, refspecs);
  if (notes) {
    const flag = statuses.get(PROJECT_NOTES_REF)?.flag ?? "=";
    outcome.project_notes = flag === "!" ? "rejected" : flag === "=" ? "up to date" : "pushed";
  }
  for (const { runId, ref, snapshot } of outgoing) {
    if (gone.has(ref)) continue;
    const snapshotRef = snapshot ? `${SNAPSHOTS_PREFIX}${runId}` : null;
    const run = statuses.get(ref) ?? { flag: "=", summary: "" };
    const code = snapshotRef ? (statuses.get(snapshotRef) ?? { flag: "=", summary: "" }) : null;
    if (run.flag === "!") {
      outcome.rejected.push({ run_id: runId, ref, reason: rejection(run.summary) });
      continue;
    }
    if (run.flag === "=" && (!code || code.flag === "=")) {
      outcome.up_to_date++;
      continue;
    }
    if (code?.flag === "!") request.warn(`run ${shortId(runId)}: its snapshot was not pushed: ${code.summary}`);
    outcome.pushed.push({ run_id: runId, ref, commit: wanted.get(ref)!, grew: run.flag !== "=" && there.has(ref), snapshot: snapshotRef });
  }
  return outcome;
}

/** exprag's refs on the remote, by name: one `ls-remote`, so a push with nothing new sends nothing. */
async function remoteRefs(git: Git, request: PushRequest): Promise<Map<string, string>> {
  const listed = await transfer(git, ["ls-remote", END_OF_OPTIONS, request.remote, `${RUNS_PREFIX}*`, `${SNAPSHOTS_PREFIX}*`, `${PROJECT_PREFIX}*`], {
    ...request.transfer,
    progress: null,
  });
  if (listed.code !== 0) throw new UserError(`git push to ${request.remote} failed: ${gitComplaint(listed.stderr) || `exit ${listed.code}`}`, EXIT.failure);
  const refs = new Map<string, string>();
  for (const line of listed.stdout.split("\n")) {
    const [commit = "", ref = ""] = line.split("\t");
    if (ref) refs.set(ref, commit);
  }
  return refs;
}

/**
 * Pushes the refspecs, never forcing: in one `git push` (several only past the system's limit on
 * a command line, at thousands of runs). Returns git's verdict on each ref it was given.
 */
async function pushRefspecs(git: Git, request: PushRequest, refspecs: string[]): Promise<Map<string, { flag: string; summary: string }>> {
  const statuses = new Map<string, { flag: string; summary: string }>();
  for (const batch of batches(refspecs)) {
    const result = await transfer(
      git,
      ["-c", "advice.pushUpdateRejected=false", "push", "--porcelain", "--recurse-submodules=no", "--no-verify", END_OF_OPTIONS, request.remote, ...batch],
      request.transfer,
    );
    const before = statuses.size;
    for (const line of result.stdout.split("\n")) {
      const [flag = "", spec = "", summary = ""] = line.split("\t");
      if (flag.length === 1 && spec.includes(":")) statuses.set(spec.slice(spec.lastIndexOf(":") + 1), { flag, summary });
    }
    if (result.code !== 0 && statuses.size === before) {
      throw new UserError(`git push to ${request.remote} failed: ${gitComplaint(result.stderr) || `exit ${result.code}`}`, EXIT.failure);
    }
    const complaint = gitComplaint(result.stderr);
    for (const refspec of batch) {
      const ref = refspec.slice(refspec.lastIndexOf(":") + 1);
      if (!statuses.has(ref)) statuses.set(ref, { flag: "!", summary: complaint || "git did not push it" });
    }
  }
  return statuses;
}

/**
 * Commits what changed in each run since its last commit (one fast-import for all of them), and
 * says what to push: every run's ref, and the snapshot commit of the runs that have one.
 */
async function commitRuns(
  git: Git,
  request: PushRequest,
): Promise<{ outgoing: Outgoing[]; committed: boolean; existing: Map<string, RunRef>; logged: Set<string> }> {
  const format = objectFormat(git);
  const cache = new HashCache(request.hashCache, format);
  const existing = runRefs(git, RUNS_PREFIX);
  const trees = readTrees(git, [...new Set(request.runIds.map((id) => existing.get(id)?.tree).filter((tree) => tree !== undefined))]);
  const plans: (PlannedCommit & { runId: string })[] = [];
  const outgoing: Outgoing[] = [];
  const codeOf = new Map<string, string>();
  /** Runs whose commits here hold their output log (pushed with it before). */
  const logged = new Set<string>();
  for (const runId of request.runIds) {
    let versions: ReturnType<typeof runVersions>;
    try {
      versions = runVersions(request.store, runId, format, true, cache);
    } catch (error) {
      request.warn(`run ${shortId(runId)}: cannot read its files (${errnoReason(error)}); not pushed`);
      continue;
    }
    if (!versions.run) {
      request.warn(`run ${shortId(runId)}: it was deleted during the push; not pushed`);
      continue;
    }
    if (!request.withLog) versions.log = null;
    const base = existing.get(runId) ?? null;
    const baseEntries = base ? parseTree(trees.get(base.tree) ?? Buffer.alloc(0), format) : null;
    if (baseEntries?.has(TREE_NAMES.log)) logged.add(runId);
    const entries = treeOf(versions, baseEntries);
    const recorded = recordedCode(runFilePaths(request.store, runId).run, runId);
    if (recorded.commit) codeOf.set(runId, recorded.commit);
    outgoing.push({ runId, ref: `${RUNS_PREFIX}${runId}`, snapshot: recorded.snapshot ? recorded.commit : null });
    if (base && treeId(entries, format) === base.tree) continue;
    const files = FILE_KINDS.flatMap((kind) => {
      const version = versions[kind];
      return version && version.id !== baseEntries?.get(TREE_NAMES[kind]) ? [{ name: TREE_NAMES[kind], version }] : [];
    });
    plans.push({ runId, ref: `${RUNS_PREFIX}${runId}`, base: base?.commit ?? null, code: null, files, message: `exprag: run ${runId}\n` });
  }
  // A run's code goes along only when this repository has it (a run recorded elsewhere may not).
  const firsts = plans.filter((plan) => !plan.base && codeOf.has(plan.runId));
  const present = commitsPresent(
    git,
    firsts.map((plan) => codeOf.get(plan.runId)!),
  );
  for (const plan of firsts) {
    const commit = codeOf.get(plan.runId)!;
    if (present.has(commit)) plan.code = commit;
    else request.warn(`run ${shortId(plan.runId)}: its commit ${commit.slice(0, 12)} is not in this repository, so its code does not go with it`);
  }
  const vanished = await writeRunCommits(git, plans);
  cache.save();
  for (const plan of plans.filter((plan) => vanished.has(plan.ref))) {
    const why =
      vanished.get(plan.ref) === "deleted"
        ? "it was deleted during the push"
        : "its file was replaced during the push (a Slurm point's run began); it goes with the next push";
    request.warn(`run ${shortId(plan.runId)}: ${why}; not pushed`);
  }
  return { outgoing: outgoing.filter((run) => !vanished.has(run.ref)), committed: plans.length > vanished.size, existing, logged };
}

/** Which of these commits this repository has. */
function commitsPresent(git: Git, commits: string[]): Set<string> {
  const found = objectInfo(
    git,
    commits.map((commit) => `${commit}^{commit}`),
  );
  return new Set(commits.filter((commit) => found.has(`${commit}^{commit}`)));
}

/** The run's recorded code commit, and whether it is a snapshot of its own. */
function recordedCode(file: string, runId: string): { commit: string | null; snapshot: boolean } {
  try {
    const start = readRunStart(file);
    const recorded = start ? decodeRunStart(start).git : null;
    const commit = recorded?.commit && OBJECT_ID.test(recorded.commit) ? recorded.commit : null;
    return { commit, snapshot: commit !== null && ownSnapshotRef(runId, recorded?.snapshot_ref ?? null) !== null };
  } catch {
    return { commit: null, snapshot: false };
  }
}

/** Refspecs in as few pushes as the system's limit on a command line allows (one, up to thousands of runs). */
function* batches(refspecs: string[], budget = 256 * 1024): Generator<string[]> {
  let batch: string[] = [];
  let size = 0;
  for (const refspec of refspecs) {
    if (batch.length && size + refspec.length + 1 > budget) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(refspec);
    size += refspec.length + 1;
  }
  if (batch.length) yield batch;
}
