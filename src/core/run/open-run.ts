/**
 * A run's file from its first line to its last: opening it (the store, the git state, run_start)
 * before the command starts, and finishing it (run_end) however the command ended.
 */
import { closeSync, openSync } from "node:fs";
import { pythonEnvironmentOf } from "../context/environment";
import { EXIT, errnoCode, UserError } from "../errors";
import type { CaptureOptions } from "../git/capture";
import { endEarlyStatus } from "../git/early-status";
import { emptyGitRecord } from "../git/empty-record";
import { outsideWorkTree } from "../git/repository";
import { processIdentity } from "../os/processes";
import { detectAgent } from "../record/author";
import type { GitRecord, RunEndValue, RunStartValue } from "../record/schema";
import { RunFile } from "../record/writer";
import { ensureStore, runFilePath, runLogPath } from "../store";
import { devicesOf, hostInfo, schedulerOf } from "./context";
import type { RunRequest } from "./run-request";

/** An open run: its file (which counts its records) and its log. */
export interface OpenRun {
  runId: string;
  runFile: RunFile;
  log: number | null;
  /** The top of the work tree (else the folder it runs in): where its outputs are looked for. */
  root: string;
  /** Whether `root` is a work tree's top. */
  workTree: boolean;
}

/** How a run reads its code: the git code where a work tree can be, else only why there is none. */
export type CodeSource = typeof import("../git/run-code") | { outside: string };

/** The run's CodeSource: the git code is loaded only for a run that has code to read (a module load off every other run's start-up). */
export async function codeSource(request: Pick<RunRequest, "code" | "cwd" | "env">): Promise<CodeSource> {
  const outside = request.code ? null : outsideWorkTree(request.cwd, request.env);
  return outside === null ? await import("../git/run-code") : { outside };
}

/**
 * The git state of a run that reads (and snapshots) its work tree, with `meanwhile` told the work
 * tree's top and run while git reads it; undefined for any other run (openRun reads that). The
 * store is created first: the snapshot's commit names it.
 */
export async function readGitWhile(
  request: RunRequest,
  runId: string,
  willStart: boolean,
  code: CodeSource,
  meanwhile: (top: string) => void,
): Promise<GitRecord | undefined> {
  if ("outside" in code || request.code) {
    endEarlyStatus();
    return undefined;
  }
  ensureStore(request.store, request.storeExplicit);
  return await code.captureGitWhile(captureOptions(request, runId, willStart), meanwhile);
}

function captureOptions(request: RunRequest, runId: string, willStart: boolean): CaptureOptions {
  const progress = request.snapshotProgress;
  return {
    cwd: request.cwd,
    env: request.env,
    runId,
    experimentName: request.name,
    store: request.store,
    snapshot: request.snapshot && willStart,
    snapshotReason: willStart ? undefined : "the command could not start",
    maxUntrackedBytes: request.snapshotMaxBytes,
    includeSecrets: request.snapshotSecrets,
    exclude: request.snapshotExclude,
    notCode: request.notCode,
    progress: progress && ((done, total) => progress.step(done, total)),
  };
}

/**
 * Creates the store, records the git state (the snapshot, when the command will start), then
 * creates the run file and log and writes run_start. When run_start cannot be written, the run
 * stops here (exit 125) and takes its snapshot ref back: nothing runs unrecorded. `code`: from
 * `codeSource`. `executable`: the program the command starts, when known (a Python one's
 * environment goes into run_start). `read`: the git state as readGitWhile read it (the store made
 * then), else both are done here.
 */
export function openRun(request: RunRequest, runId: string, willStart: boolean, executable: string | null, code: CodeSource, read?: GitRecord): OpenRun {
  if (read === undefined) ensureStore(request.store, request.storeExplicit);
  const git =
    read ??
    ("outside" in code
      ? emptyGitRecord(code.outside)
      : request.code
        ? code.placeCode(request.code, runId, request.cwd, request.env)
        : code.captureGit(captureOptions(request, runId, willStart)));
  request.snapshotProgress?.end();
  const parentRunId = request.env.EXPRAG_RUN_ID;
  const agent = detectAgent(request.env);
  const devices = devicesOf(request.env);
  const scheduler = schedulerOf(request.env);
  const python = executable !== null && request.context?.environment !== false ? pythonEnvironmentOf(executable, request.env, request.cwd) : null;
  const start = {
    git,
    host: hostInfo(),
    process: {
      pid: request.owner?.pid ?? process.pid,
      ppid: request.owner?.ppid ?? process.ppid,
      cwd: request.cwd,
      argv: request.command,
      started: processIdentity(request.owner?.pid),
      heartbeat_s: request.heartbeatSeconds,
    },
    metadata: request.metadata,
    ...(request.params && { params: request.params }),
    ...(request.paramsHook && { params_hook: request.paramsHook }),
    ...(parentRunId && { parent_run_id: parentRunId }),
    ...(agent && { agent }),
    ...(request.rerunOf && { rerun_of: request.rerunOf }),
    ...(request.why && { why: request.why }),
    ...(request.from && { from: request.from }),
    ...(devices && { devices }),
    ...(scheduler && { scheduler }),
    ...(python && { environment: { python } }),
  } satisfies RunStartValue;
  let runFile: RunFile;
  let startText: string;
  try {
    startText = JSON.stringify(start);
    runFile = new RunFile(runFilePath(request.store, runId), request.store, runId, request.name);
  } catch (error) {
    if (!("outside" in code)) code.discardSnapshot(request.cwd, request.env, git.snapshot_ref);
    throw error;
  }
  runFile.add("run_start", startText);
  if (!runFile.flush()) {
    const reason = runFile.failureReason;
    runFile.close();
    runFile.remove();
    if (!("outside" in code)) code.discardSnapshot(request.cwd, request.env, git.snapshot_ref);
    throw new UserError(
      `cannot write the run file in ${request.store} (${reason}); the command was not started`,
      EXIT.internal,
      "free some space, or choose another store with --dir DIR",
    );
  }
  const log = request.keepLog && willStart ? openLog(request.store, runId) : null;
  return { runId, runFile, log, root: git.top ?? request.cwd, workTree: git.top !== undefined };
}

function openLog(store: string, runId: string): number {
  try {
    return openSync(runLogPath(store, runId), "ax", 0o600);
  } catch (error) {
    throw new UserError(`cannot write the output log (${errnoCode(error)})`, EXIT.internal, "use --no-log to run without one");
  }
}

/** Writes run_end, with the records the file holds and those it lost, and says what went wrong. */
export function finishRun(run: OpenRun, end: Omit<RunEndValue, "counts" | "lost">, warn: (message: string) => void): void {
  const { runFile } = run;
  const reason = () => runFile.failureReason ?? "";
  const finished = runFile.writeEnd(() => {
    const lost = runFile.lost;
    return JSON.stringify({ ...end, counts: runFile.counts, ...(lost > 0 && { lost: { records: lost, reason: reason() } }) } satisfies RunEndValue);
  });
  runFile.close();
  const lost = runFile.lost;
  if (run.log !== null) closeSync(run.log);
  if (lost > 0) warn(`${lost} record${lost === 1 ? "" : "s"} could not be written to the run file (${reason()}) and are lost`);
  if (!finished) warn(`the run file could not be finished (${reason()}): it will read as crashed, but the command ended ${end.status} (exit ${end.exit_code})`);
  if (!runFile.stillInPlace()) warn(`${runFile.path} was deleted or replaced while the run wrote it: this run's records are gone`);
}
