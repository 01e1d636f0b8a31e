/**
 * Slurm submission benchmark, on the test cluster of scripts/slurm/cluster.sh (start it first):
 *   sbatch --array=0-(N-1) of a one-line script              (baseline)
 *   exprag sweep --slurm --grid x=0..N-1 -- true               (target: at most 2x the baseline)
 * in a repository with a modified file, so the sweep also makes its one snapshot and worktree,
 * and writes each point's queued run file (so `ls --tag sweep:<id>` lists it at once). Beside them,
 * the same sweep of one point (the fixed cost) and `exprag --version` (the binary's start alone).
 * Both are submitted held (--hold) and cancelled at once: only the submission is timed.
 * Medians of alternating rounds.
 *
 * Usage: bun scripts/bench/slurm.ts [--points N] [--rounds N]   (build first: npm run build)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_IDENTITY, benchEnv, builtExprag, flag, median } from "./common";

const points = flag("--points", 1000);
const rounds = flag("--rounds", 5);
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

run(["git", "init", "-q", "-b", "main"]);
writeFileSync(join(repo, "train.py"), "print('hi')\n");
run(["git", "add", "-A"]);
run(["git", "commit", "-qm", "initial"]);
writeFileSync(join(repo, "train.py"), "print('edited')\n");
writeFileSync(join(repo, "one-line.sh"), "#!/bin/sh\ntrue\n");

const grid = `x=${Array.from({ length: points }, (_, i) => i).join(",")}`;
const plain: number[] = [];
const sweep: number[] = [];
const single: number[] = [];
const start: number[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    const baseline = run(["sbatch", "--parsable", "--hold", `--array=0-${points - 1}`, "--output=/dev/null", "one-line.sh"]);
    plain.push(baseline.ms);
    run(["scancel", baseline.stdout.trim()]);
    const submitted = run([exprag, "sweep", "--slurm", "--json", "--sbatch", "--hold", "--grid", grid, "--", "true"]);
    sweep.push(submitted.ms);
    run(["scancel", JSON.parse(submitted.stdout).job_id]);
    // The fixed cost: the same sweep of one point (the binary's start, the snapshot, the worktree).
    const one = run([exprag, "sweep", "--slurm", "--json", "--sbatch", "--hold", "--grid", "x=0", "--", "true"]);
    single.push(one.ms);
    run(["scancel", JSON.parse(one.stdout).job_id]);
    start.push(run([exprag, "--version"]).ms);
  }
} finally {
  rmSync(repo, { recursive: true, force: true });
}
const base = median(plain);
const ours = median(sweep);
const fixed = median(single);
console.log("| points | sbatch --array | exprag sweep --slurm | same, 1 point | exprag --version | sweep / sbatch | per point beyond the first |");
console.log("|---|---|---|---|---|---|---|");
console.log(
  `| ${points} | ${base.toFixed(0)} ms | ${ours.toFixed(0)} ms | ${fixed.toFixed(0)} ms | ${median(start).toFixed(0)} ms | ${(ours / base).toFixed(2)} (target <= 2) | ${(((ours - fixed) / (points - 1)) * 1000).toFixed(0)} µs |`,
);
