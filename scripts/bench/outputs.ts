/**
 * Outputs benchmark: finding the files a run created or changed, in the repository of the git
 * capture benchmark (30,000 files of about 10 KB, 50 modified, 20 untracked) after a "run" wrote 10
 * files, against `git status --porcelain --ignored` on the same tree. Warm cache, medians of
 * alternating rounds. The finder is the function `exprag run` calls at a run's end, called here.
 * Target: at most 1.5x the baseline.
 *
 * Usage: bun scripts/bench/outputs.ts [--files N] [--rounds N]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findOutputs } from "../../src/core/context/outputs";
import { BENCH_IDENTITY, benchEnv, flag, median } from "./common";
import { generateRepo } from "./repo";

const files = flag("--files", 30_000);
const rounds = flag("--rounds", 9);
const repo = mkdtempSync(join(tmpdir(), "exprag-outputs-bench-"));
const env = benchEnv(BENCH_IDENTITY);

function run(argv: string[]): number {
  const started = performance.now();
  const result = Bun.spawnSync(argv, { cwd: repo, env, stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString()}`);
  return ms;
}

function find(since: number): { ms: number; found: number } {
  const started = performance.now();
  const outputs = findOutputs({ root: repo, since, globs: [], skip: [join(repo, ".exprag")] });
  return { ms: performance.now() - started, found: outputs.files.length };
}

try {
  generateRepo(repo, files, run);
  const since = Date.now() + 50;
  Bun.sleepSync(100);
  mkdirSync(join(repo, "checkpoints"));
  for (let i = 0; i < 10; i++) writeFileSync(join(repo, "checkpoints", `epoch${i}.pt`), "weights".repeat(1000));
  run(["git", "status", "--porcelain", "--ignored"]);
  if (find(since).found !== 10) throw new Error("the finder did not find the 10 files the run wrote");
  const status: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < rounds; i++) {
    status.push(run(["git", "status", "--porcelain", "--ignored"]));
    ours.push(find(since).ms);
  }
  const [s, o] = [median(status), median(ours)];
  const range = (values: number[]) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;
  console.log("| repository | git status --porcelain --ignored | finding the outputs | ratio |");
  console.log("|---|---|---|---|");
  console.log(
    `| ${files.toLocaleString("en")} files of ~10 KB, 10 written by the run | ${s.toFixed(0)} ms (${range(status)}) | ${o.toFixed(0)} ms (${range(ours)}) | ${(o / s).toFixed(2)} (target <= 1.5) |`,
  );
} finally {
  rmSync(repo, { recursive: true, force: true });
}
