/**
 * `exprag __experiment` (internal): records the run of a Python `Experiment` started without
 * `exprag run`. The Python process starts it beside itself and talks to it over its stdin:
 *
 * 1. one hello line: `{"name", "metadata", "pid", "ppid", "argv", "cwd"}` of the Python process;
 * 2. it records the git state, writes run_start (with the Python process as the run's process)
 *    and answers one line on stdout: `{"run_id", "path"}`, or `{"error"}` and exit 125;
 * 3. then record lines, as on EXPRAG_FD, until `!end {"status", "exit_code", "signal", "error"}`.
 *
 * When stdin ends without `!end`, or the Python process is gone (kill -9, a kernel restart), the
 * run ends as killed. It lives in its own session, so a Ctrl-C at the terminal never reaches it.
 */

import { loadProjectConfig } from "../config";
import { UserError } from "../errors";
import * as runCode from "../git/run-code";
import { writeFully } from "../os/io";
import { liveness, processIdentity } from "../os/processes";
import { isObject, type JsonObject } from "../record/decode";
import type { ProcessIdentity, RunEndStatus } from "../record/schema";
import { isExplicitStore } from "../store";
import { resolveStoreDir } from "../store-location";
import { runDefaults } from "./defaults";
import { LineSplitter, RecordIngest } from "./ingest";
import { finishRun, type OpenRun, openRun } from "./open-run";
import { PipeReader } from "./pipes";
import { quoteNonFinite } from "./protocol";

/** How often the Python process is checked for, when its end of the pipe may be held open by another. */
const OWNER_CHECK_MS = 500;
const HEARTBEAT_S = 30;
const END_STATUSES: RunEndStatus[] = ["ok", "failed", "interrupted", "killed"];

interface Hello {
  name: string;
  metadata: JsonObject;
  pid: number;
  ppid: number;
  argv: string[];
  cwd: string;
}

export function readHello(text: string): Hello {
  let value: unknown;
  try {
    value = parseExact(text);
  } catch {
    // Python's NaN and infinities in the metadata: kept as strings, as in a tracked value.
    try {
      value = parseExact(quoteNonFinite(text));
    } catch {
      throw new UserError("__experiment: the first line is not JSON");
    }
  }
  if (!isObject(value)) throw new UserError("__experiment: the first line is not a JSON object");
  const { name, metadata, pid, ppid, argv, cwd } = value;
  if (typeof name !== "string" || !name.trim()) throw new UserError("__experiment: name must be a non-empty string");
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) throw new UserError("__experiment: pid must be a process id");
  if (!Array.isArray(argv) || !argv.every((word) => typeof word === "string")) throw new UserError("__experiment: argv must be a list of strings");
  return {
    name,
    metadata: isObject(metadata) ? metadata : {},
    pid: pid as number,
    ppid: Number.isSafeInteger(ppid) ? (ppid as number) : 0,
    argv,
    cwd: typeof cwd === "string" ? cwd : process.cwd(),
  };
}

const { rawJSON } = JSON as unknown as { rawJSON(text: string): unknown };

/** JSON.parse, keeping an integer beyond double precision (a seed, a hash) as it was written. */
function parseExact(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === "number" && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source) ? rawJSON(context.source) : value,
  );
}

/** The run_end the Python process asked for with `!end {...}`; null when the line is not one. */
export function readEnd(text: string): { status: RunEndStatus; exit_code: number; signal: string | null; error?: string } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  const status = END_STATUSES.find((known) => known === value.status) ?? "ok";
  const exitCode = Number.isSafeInteger(value.exit_code) ? (value.exit_code as number) : status === "ok" ? 0 : 1;
  return {
    status,
    exit_code: exitCode,
    signal: typeof value.signal === "string" ? value.signal : null,
    ...(typeof value.error === "string" && { error: value.error }),
  };
}

export async function recordExperiment(env: NodeJS.ProcessEnv, warn: (message: string) => void): Promise<number> {
  // Our own session keeps the terminal's signals away; these come only from someone meaning them for the run.
  for (const signal of ["SIGINT", "SIGHUP"] as const) process.on(signal, () => {});
  const reply = (value: JsonObject) => {
    try {
      writeFully(1, Buffer.from(`${JSON.stringify(value)}\n`));
    } catch {
      // The Python process stopped waiting (interrupted while the run opened): its end line, or its end, follows.
    }
  };
  let run: OpenRun | null = null;
  let ingest: RecordIngest | null = null;
  let owner: ProcessIdentity | null = null;
  let startedAt = 0;
  let ended = false;
  let failed: string | null = null;
  let timer: Timer | undefined;
  let reader: PipeReader | null = null;

  const end = (value: { status: RunEndStatus; exit_code: number; signal: string | null; error?: string }) => {
    if (ended || !run) return;
    ended = true;
    clearInterval(timer);
    const now = performance.now();
    run.runFile.tick();
    run.runFile.stopClock(now);
    finishRun(run, { ...value, duration_ms: Math.round((now - startedAt) * 1000) / 1000, ...(ingest?.divergence && { diverged: ingest.divergence }) }, warn);
    reader?.cancel();
  };
  const silentEnd = (why: string) =>
    end({
      status: "killed",
      exit_code: 137,
      signal: null,
      error: `the Python process ${owner?.pid} ${why} without ending its run (killed, or its kernel restarted)`,
    });

  const start = (text: string) => {
    const hello = readHello(text);
    const config = loadProjectConfig(hello.cwd, env);
    const store = resolveStoreDir(undefined, env, hello.cwd, () => config);
    const defaults = runDefaults({ tag: [], "stop-when": [] }, config);
    const runId = Bun.randomUUIDv7();
    run = openRun(
      {
        command: hello.argv,
        name: hello.name,
        metadata: hello.metadata,
        params: null,
        store,
        storeExplicit: isExplicitStore(undefined, env),
        echo: false,
        keepLog: false,
        snapshot: true,
        snapshotMaxBytes: defaults.snapshotMaxBytes,
        snapshotSecrets: false,
        snapshotExclude: defaults.snapshotExclude,
        cwd: hello.cwd,
        env,
        selfCommand: [],
        heartbeatSeconds: HEARTBEAT_S,
        pty: false,
        owner: { pid: hello.pid, ppid: hello.ppid },
        warn,
      },
      runId,
      true,
      null,
      runCode,
    );
    ingest = new RecordIngest(run.runFile, warn);
    owner = processIdentity(hello.pid);
    startedAt = performance.now();
    run.runFile.startClock(startedAt);
    reply({ run_id: runId, path: run.runFile.path });
    let beats = 0;
    timer = setInterval(() => {
      if (owner && liveness(owner) === "dead") silentEnd("ended");
      else if (++beats % Math.round((HEARTBEAT_S * 1000) / OWNER_CHECK_MS) === 0) run?.runFile.touch();
    }, OWNER_CHECK_MS);
  };

  const lines = new LineSplitter(
    (data, from, to) => {
      if (ended || failed) return;
      if (!run) {
        try {
          start(data.toString("utf8", from, to));
        } catch (error) {
          failed = error instanceof Error ? error.message : String(error);
          reply({ error: failed });
          reader?.cancel();
        }
        return;
      }
      if (data[from] === 0x21 /* ! */) {
        const text = data.toString("utf8", from, to);
        const asked = text.startsWith("!end ") ? readEnd(text.slice(5)) : null;
        if (asked) end(asked);
        else warn(`__experiment: unknown control line ${JSON.stringify(text.slice(0, 80))}`);
        return;
      }
      ingest?.lineBytes(data, from, to, "fd");
    },
    (head, bytes) => ingest?.tooLong(head, bytes, "fd"),
  );
  reader = new PipeReader(
    0,
    (chunk) => {
      run?.runFile.tick();
      lines.push(chunk);
      if (!ended) (run as OpenRun | null)?.runFile.flush();
    },
    (error) => warn(`__experiment: ${error instanceof Error ? error.message : error}`),
  );
  await reader.done;
  if (failed) return 125;
  if (!run) {
    reply({ error: "no hello line" });
    return 125;
  }
  lines.end();
  if (!ended) silentEnd("ended");
  return 0;
}
