/**
 * The Python package's benchmarks, each against an anchor measured in the same run:
 *   track        Experiment.track() of N small dicts, wrapped (exprag run) and standalone, timed in
 *                Python from the first call until every record is handed on (target: >= 200,000 records/s);
 *                anchored on json.dumps of the same dicts in the same process, the floor of any
 *                JSON-writing tracker (the original's 7-9 thousand per second did that and more)
 *   start        a standalone Experiment(...) (binary started, git read, run_start written), against
 *                `exprag run -- true` in the same repository                  (target: ratio <= 2)
 *   hook         `python -c pass` with the parameter hook on PYTHONPATH, against without
 *                                                                          (target: +20 ms at most)
 *
 * Usage: bun scripts/bench/python.ts [--rounds N] [--records N] [track|start|hook ...]
 *        (build first: npm run build)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pythonHookDir } from "../../src/core/run/python-hook-dir";
import { BENCH_IDENTITY, benchEnv, builtExprag, flag, median } from "./common";

const rounds = flag("--rounds", 9);
const records = flag("--records", 300_000);
const chosen = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith("--") && !all[i - 1]?.startsWith("--"));
const exprag = builtExprag();
const work = mkdtempSync(join(tmpdir(), "exprag-bench-python-"));
const env = benchEnv({ ...BENCH_IDENTITY, PYTHONPATH: join(import.meta.dir, "..", "..", "python"), EXPRAG_BIN: exprag, PYTHONDONTWRITEBYTECODE: "1" });

/** The interpreter itself (not a shim such as pyenv's, whose own start-up would dwarf the hook's). */
const python = Bun.spawnSync(["python3", "-c", "import sys; print(sys.executable)"], { stdout: "pipe" }).stdout.toString().trim();
if (!python) throw new Error("python3 is needed");

function run(argv: string[], extra: Record<string, string> = {}): string {
  const result = Bun.spawnSync(argv, { cwd: work, env: { ...env, ...extra }, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} exited with ${result.exitCode}: ${result.stderr}`);
  return result.stdout.toString();
}

run(["git", "init", "-q"]);
writeFileSync(join(work, ".gitignore"), ".exprag/\n");
writeFileSync(join(work, "train.py"), "print('hi')\n");
run(["git", "add", "-A"]);
run(["git", "commit", "-qm", "bench"]);

const TRACK = `import json, time
from exprag import Experiment
t = time.perf_counter()
for step in range(${records}):
    json.dumps({"step": step, "metrics": {"loss": 0.5, "acc": 0.9}})
anchor = ${records} / (time.perf_counter() - t)
e = Experiment("bench")
t = time.perf_counter()
for step in range(${records}):
    e.track({"step": step, "metrics": {"loss": 0.5, "acc": 0.9}})
e.finish()
print(${records} / (time.perf_counter() - t), anchor)
`;

/** Records per second of track(), and of json.dumps alone in the same process. */
function trackRate(wrapped: boolean): [number, number] {
  const argv = wrapped ? [exprag, "run", "-q", "--", python, "-c", TRACK] : [python, "-c", TRACK];
  const pairs = Array.from({ length: Math.max(3, Math.floor(rounds / 3)) }, () => run(argv).trim().split("\n").at(-1)!.split(" ").map(Number));
  rmSync(join(work, ".exprag"), { recursive: true, force: true });
  return [median(pairs.map((p) => p[0]!)), median(pairs.map((p) => p[1]!))];
}

if (chosen.length === 0 || chosen.includes("track")) {
  const per = (rate: number) => `${Math.round(rate).toLocaleString("en")}/s`;
  for (const wrapped of [true, false]) {
    const [rate, anchor] = trackRate(wrapped);
    console.log(
      `track ${wrapped ? "wrapped   " : "standalone"}: ${per(rate)} (json.dumps alone ${per(anchor)}, ratio ${(rate / anchor).toFixed(2)}) (target >= 200,000/s)`,
    );
  }
}

if (chosen.length === 0 || chosen.includes("start")) {
  const START = `import time
t = time.perf_counter()
from exprag import Experiment
e = Experiment("start")
print((time.perf_counter() - t) * 1000)
e.finish()
`;
  const experiment: number[] = [];
  const wrapper: number[] = [];
  for (let i = 0; i < rounds; i++) {
    experiment.push(Number(run([python, "-c", START]).trim()));
    const started = performance.now();
    run([exprag, "run", "-q", "--", "true"]);
    wrapper.push(performance.now() - started);
  }
  rmSync(join(work, ".exprag"), { recursive: true, force: true });
  const [a, b] = [median(experiment), median(wrapper)];
  console.log(`start: Experiment(...) ${a.toFixed(1)} ms, exprag run -- true ${b.toFixed(1)} ms, ratio ${(a / b).toFixed(2)} (target <= 2)`);
}

if (chosen.length === 0 || chosen.includes("hook")) {
  const hook = pythonHookDir(env);
  if ("error" in hook) throw new Error(hook.error);
  const hooked = { PYTHONPATH: hook.dir, EXPRAG_FD: "2", EXPRAG_RUN_ID: "bench" };
  const plain: number[] = [];
  const withHook: number[] = [];
  for (let i = 0; i < rounds * 3; i++) {
    for (const [times, extra] of [
      [plain, {}],
      [withHook, hooked],
    ] as const) {
      const started = performance.now();
      run([python, "-c", "pass"], extra);
      times.push(performance.now() - started);
    }
  }
  const [a, b] = [median(plain), median(withHook)];
  console.log(`hook: python -c pass ${a.toFixed(1)} ms, with the hook ${b.toFixed(1)} ms, +${(b - a).toFixed(1)} ms (target <= +20 ms)`);
}

rmSync(work, { recursive: true, force: true });
