/**
 * System sampling benchmark: what sampling the process tree costs exprag in CPU. `exprag run
 * --system-every 0.1 -- sleep S` against `--no-system`, exprag's own user+system CPU time (the
 * command sleeps), alternating; the difference per sample, and what it makes at the default period
 * of 10 s. Target: under 1% of a core.
 *
 * Usage: bun scripts/bench/system.ts [--seconds S] [--rounds N]   (build first: npm run build)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SYSTEM_EVERY_S } from "../../src/core/context/system-sampler";
import { benchEnv, builtExprag, flag, median } from "./common";

const seconds = flag("--seconds", 5);
const rounds = flag("--rounds", 3);
const every = 0.1;
const exprag = builtExprag();
const dir = mkdtempSync(join(tmpdir(), "exprag-system-bench-"));
const env = benchEnv({ EXPRAG_DIR: join(dir, "store") });

/** exprag's CPU seconds (its children's excluded: the command only sleeps) and the samples it wrote. */
function cpuOf(flags: string[]): number {
  const result = Bun.spawnSync([exprag, "run", "-q", "--no-log", ...flags, "--", "sleep", String(seconds)], {
    cwd: dir,
    env,
    stdout: "ignore",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  const usage = result.resourceUsage!;
  return (Number(usage.cpuTime.user) + Number(usage.cpuTime.system)) / 1e6;
}

try {
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < rounds; i++) {
    off.push(cpuOf(["--no-system"]));
    on.push(cpuOf(["--system-every", String(every)]));
  }
  const samples = seconds / every;
  const perSample = (median(on) - median(off)) / samples;
  const processes = Bun.spawnSync(["sh", "-c", "ls /proc | grep -c '^[0-9]'"]).stdout.toString().trim();
  console.log("| processes on the machine | exprag run --no-system | --system-every 0.1 | per sample | at the default 10 s |");
  console.log("|---|---|---|---|---|");
  console.log(
    `| ${processes} | ${(median(off) * 1000).toFixed(0)} ms CPU | ${(median(on) * 1000).toFixed(0)} ms CPU (${samples} samples) | ${(perSample * 1000).toFixed(2)} ms | ${((perSample / DEFAULT_SYSTEM_EVERY_S) * 100).toFixed(3)}% of a core (target < 1%) |`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
