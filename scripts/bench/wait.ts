/**
 * `exprag wait` benchmarks:
 *   wake-up   from a record reaching the run file to `exprag wait --until` having exited, median
 *             of 20 (target: within 50 ms); the record is appended by this process, as a writer
 *             on another host would append it to a shared store
 *   idle CPU  CPU time of `exprag wait` over a wait of 10 s in which nothing happens, less that of
 *             a wait of 100 ms (its start-up and first look), measured in the same run (target:
 *             under 1% of a core while it waits)
 *
 * Usage: bun scripts/bench/wait.ts [--quick] (build first: npm run build)
 * The record is written once the wait watches the file (an inotify watch among its descriptors'
 * fdinfo, on Linux; elsewhere after 1 s): this measures waking, not start-up.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchEnv, builtExprag, median } from "./common";

const quick = process.argv.includes("--quick");
const exprag = builtExprag();
const work = mkdtempSync(join(tmpdir(), "exprag-bench-wait-"));
const env = benchEnv();
const runs = join(work, ".exprag", "runs");
mkdirSync(runs, { recursive: true });

/** A run of another host, alive by its heartbeat: its file was just written. */
function makeRun(index: number): { id: string; file: string } {
  const id = `01a24380-0000-7000-8000-${String(index).padStart(12, "0")}`;
  const file = join(runs, `${id}.jsonl`);
  const started = { host: "bench-elsewhere", pid: 1, boot_id: null, start_ticks: null };
  const value = { git: {}, host: { hostname: "bench-elsewhere" }, process: { pid: 1, started, heartbeat_s: 3600 }, metadata: {} };
  writeFileSync(file, `${line(id, "run_start", value)}`);
  return { id, file };
}

const line = (id: string, kind: string, value: unknown) =>
  `${JSON.stringify({ schema_version: 1, exprag_version: "0.1.0", run_id: id, experiment_name: "bench", kind, value, created_at: new Date().toISOString(), elapsed_ms: 0 })}\n`;

/** Until process `pid` has an inotify watch (Linux), else for a second. */
async function watching(pid: number): Promise<void> {
  if (process.platform !== "linux") return void (await Bun.sleep(1000));
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`).filter((fd) => readlinkOr(`/proc/${pid}/fd/${fd}`).includes("inotify"));
      if (fds.some((fd) => readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8").includes("inotify wd:"))) return;
    } catch {
      // not there yet
    }
    await Bun.sleep(5);
  }
  throw new Error("exprag wait never started watching");
}

function readlinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}

async function wakeUp() {
  const rounds = quick ? 10 : 20;
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { id, file } = makeRun(i + 1);
    const wait = Bun.spawn([exprag, "wait", id, "--until", "step >= 1", "--timeout", "60"], { cwd: work, env, stdout: "ignore", stderr: "ignore" });
    await watching(wait.pid);
    const written = performance.now();
    appendFileSync(file, line(id, "track", { step: 1 }));
    const code = await wait.exited;
    latencies.push(performance.now() - written);
    if (code !== 0) throw new Error(`exprag wait exited with ${code}`);
  }
  const ms = median(latencies);
  return {
    name: `wake-up: a record appended, to \`exprag wait --until 'step >= 1'\` exited (median of ${rounds})`,
    baseline: "-",
    exprag: `${ms.toFixed(1)} ms (${Math.min(...latencies).toFixed(1)}-${Math.max(...latencies).toFixed(1)})`,
    result: `${ms.toFixed(1)} ms`,
    target: "<= 50 ms",
    ok: ms <= 50,
  };
}

/** CPU milliseconds of one `exprag wait` that times out after `ms`. */
async function waitCpu(runId: string, ms: number): Promise<number> {
  const wait = Bun.spawn([exprag, "wait", runId, "--until", "step >= 1", "--timeout", `${ms}ms`], { cwd: work, env, stdout: "ignore", stderr: "ignore" });
  const code = await wait.exited;
  if (code !== 124) throw new Error(`exprag wait exited with ${code}, not 124 (timeout)`);
  const usage = wait.resourceUsage()!;
  return (Number(usage.cpuTime.user) + Number(usage.cpuTime.system)) / 1000;
}

async function idleCpu() {
  const seconds = quick ? 5 : 10;
  const { id } = makeRun(999);
  const anchors: number[] = [];
  for (let i = 0; i < 5; i++) anchors.push(await waitCpu(id, 100));
  const total = await waitCpu(id, seconds * 1000);
  const waiting = Math.max(0, total - median(anchors));
  const share = waiting / (seconds * 1000 - 100);
  return {
    name: `idle CPU: \`exprag wait\` over ${seconds} s with nothing happening`,
    baseline: `a 100 ms wait: ${median(anchors).toFixed(0)} ms CPU`,
    exprag: `${total.toFixed(0)} ms CPU`,
    result: `${(share * 100).toFixed(2)}% of a core while waiting`,
    target: "< 1% of a core",
    ok: share < 0.01,
  };
}

try {
  const rows = [await wakeUp(), await idleCpu()];
  console.log("| benchmark | baseline | exprag | result | target | met |");
  console.log("|---|---|---|---|---|---|");
  for (const row of rows) console.log(`| ${row.name} | ${row.baseline} | ${row.exprag} | ${row.result} | ${row.target} | ${row.ok ? "yes" : "NO"} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
