/**
 * Slurm submission benchmark, on the test cluster of scripts/slurm/cluster.sh (start it first):
 *   sbatch --array=0-(N-1) of a one-line script              (the anchor)
 *   exprag sweep --slurm --grid x=0..N-1 -- true               (target: at most 2x the anchor)
 * in a repository with a modified file, so the sweep also makes its one snapshot and worktree,
 * and writes each point's queued run file (so `ls --tag sweep:<id>` lists it at once). Beside them,
 * the same sweep of one point (the fixed cost) and the runtime's floor: `exprag --version` (the
 * binary's start alone) plus the anchor's sbatch, which no submit by exprag can go below; what
 * the sweep takes beyond the floor is exprag's own. `--before PATH` adds another build's sweep of
 * N points, in the same rounds. Jobs are submitted held (--hold) and cancelled at once: only the
 * submission is timed. The fastest of alternating rounds (noise on a shared machine only adds).
 *
 * Usage: bun scripts/bench/slurm.ts [--points N] [--rounds N] [--before PATH]   (build first: npm run build)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_IDENTITY, benchEnv, builtExprag, fastest, flag } from "./common";

const points = flag("--points", 1000);
const rounds = flag("--rounds", 5);
const beforeFlag = process.argv.indexOf("--before");
const before = beforeFlag > 0 ? process.argv[beforeFlag + 1]! : null;
const exprag = builtExprag();
const clusterEnv = join(process.env.EXPRAG_SLURM_DIR ?? "/tmp/exprag-slurm", "env");
if (!existsSync(clusterEnv)) throw new Error(`no test cluster (${clusterEnv}): run scripts/slurm/cluster.sh start first`);
const conf = /^SLURM_CONF=(.+)$/m.exec(readFileSync(clusterEnv, "utf8"))![1]!;

const repo = mkdtempSync(join(tmpdir(), "exprag-slurm-bench-"));
const env = benchEnv({ ...BENCH_IDENTITY, SLURM_CONF: conf });

function run(argv: string[]): { ms: number; stdout: string } {
  const started = performance.now();
  const result = Bun.spawnSync(argv, { cwd: repo, env, stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString()}`);
  return { ms, stdout: result.stdout.toString() };
}

/** A held sweep submitted by `binary` and cancelled at once; how long the submit took. */
function sweep(binary: string, grid: string): number {
  const submitted = run([binary, "sweep", "--slurm", "--json", "--sbatch", "--hold", "--grid", grid, "--", "true"]);
  run(["scancel", JSON.parse(submitted.stdout).job_id]);
  return submitted.ms;
}

run(["git", "init", "-q", "-b", "main"]);
writeFileSync(join(repo, "train.py"), "print('hi')\n");
run(["git", "add", "-A"]);
run(["git", "commit", "-qm", "initial"]);
writeFileSync(join(repo, "train.py"), "print('edited')\n");
writeFileSync(join(repo, "one-line.sh"), "#!/bin/sh\ntrue\n");

const grid = `x=${Array.from({ length: points }, (_, i) => i).join(",")}`;
const times = { sbatch: [] as number[], start: [] as number[], floor: [] as number[], sweep: [] as number[], single: [] as number[], before: [] as number[] };
try {
  for (let round = 0; round < rounds; round++) {
    const start = run([exprag, "--version"]).ms;
    const anchor = run(["sbatch", "--parsable", "--hold", `--array=0-${points - 1}`, "--output=/dev/null", "one-line.sh"]);
    run(["scancel", anchor.stdout.trim()]);
    times.start.push(start);
    times.sbatch.push(anchor.ms);
    // The floor of this round: the binary's start, then the same sbatch.
    times.floor.push(start + anchor.ms);
    times.sweep.push(sweep(exprag, grid));
    if (before) times.before.push(sweep(before, grid));
    // The fixed cost: the same sweep of one point (the binary's start, the snapshot, the worktree, sbatch).
    times.single.push(sweep(exprag, "x=0"));
  }
} finally {
  rmSync(repo, { recursive: true, force: true });
}
const [anchor, start, floor, ours, fixed] = [times.sbatch, times.start, times.floor, times.sweep, times.single].map(fastest) as [
  number,
  number,
  number,
  number,
  number,
];
const ms = (value: number) => `${value.toFixed(0)} ms`;
const rows: [what: string, time: number, ratio: string][] = [
  [`\`sbatch --array=0-${points - 1}\` of a one-line script (the anchor)`, anchor, "1.00"],
  ["`exprag --version` (the binary's start alone)", start, (start / anchor).toFixed(2)],
  ["the runtime's floor: `exprag --version` + the same sbatch", floor, (floor / anchor).toFixed(2)],
  ["`exprag sweep --slurm`, 1 point (the fixed cost)", fixed, (fixed / anchor).toFixed(2)],
  [`\`exprag sweep --slurm\`, ${points} points`, ours, `${(ours / anchor).toFixed(2)} (target <= 2)`],
];
if (before) rows.push([`the same by ${before}`, fastest(times.before), (fastest(times.before) / anchor).toFixed(2)]);
rows.push(["exprag's own: the sweep beyond the floor", ours - floor, "-"]);
console.log(`| submit (fastest of ${rounds} rounds) | time | / anchor |`);
console.log("|---|---|---|");
for (const [what, time, ratio] of rows) console.log(`| ${what} | ${ms(time)} | ${ratio} |`);
console.log(`| per point beyond the first | ${(((ours - fixed) / (points - 1)) * 1000).toFixed(0)} µs | - |`);
console.error(`load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
