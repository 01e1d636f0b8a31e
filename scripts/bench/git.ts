/**
 * Git capture benchmark: a generated repository of 30,000 files of about 10 KB, with 50 modified
 * and 20 untracked files. Compares, warm cache, medians of alternating rounds:
 *   git status --porcelain                         (baseline)
 *   exprag run -- true                             (target: at most 2.5x the baseline)
 *   read-tree HEAD + add --all into a fresh index  (the original exprag's way; target: exprag at least 5x faster)
 *
 * Usage: bun scripts/bench/git.ts [--files N] [--rounds N]   (build first: npm run build)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_IDENTITY, benchEnv, builtExprag, flag, median } from "./common";
import { generateRepo } from "./repo";

const files = flag("--files", 30_000);
const rounds = flag("--rounds", 7);
const exprag = builtExprag();

const repo = mkdtempSync(join(tmpdir(), "exprag-git-bench-"));
const env = benchEnv(BENCH_IDENTITY);

function run(argv: string[], extraEnv: Record<string, string> = {}): number {
  const started = performance.now();
  const result = Bun.spawnSync(argv, { cwd: repo, env: { ...env, ...extraEnv }, stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString()}`);
  return ms;
}

function setUp(): void {
  generateRepo(repo, files, run);
}

const readTreeAdd = () => {
  const index = join(repo, ".git", "bench-fresh.index");
  rmSync(index, { force: true });
  const ms =
    run(["git", "read-tree", "HEAD"], { GIT_INDEX_FILE: index }) +
    run(["git", "add", "--all"], { GIT_INDEX_FILE: index }) +
    run(["git", "write-tree"], { GIT_INDEX_FILE: index });
  rmSync(index, { force: true });
  return ms;
};

try {
  setUp();
  // Warm the caches (and git's stat cache in the real index) before measuring.
  run(["git", "status", "--porcelain"]);
  run([exprag, "run", "--", "true"]);
  readTreeAdd();
  const status: number[] = [];
  const ours: number[] = [];
  const original: number[] = [];
  for (let i = 0; i < rounds; i++) {
    status.push(run(["git", "status", "--porcelain"]));
    ours.push(run([exprag, "run", "--", "true"]));
    original.push(readTreeAdd());
  }
  const [s, o, r] = [median(status), median(ours), median(original)];
  console.log(`| repository | git status --porcelain | exprag run -- true | read-tree HEAD + add --all | exprag / status | read-tree+add / exprag |`);
  console.log(`|---|---|---|---|---|---|`);
  console.log(
    `| ${files.toLocaleString("en")} files of ~10 KB, 50 modified, 20 untracked | ${s.toFixed(0)} ms | ${o.toFixed(0)} ms | ${r.toFixed(0)} ms | ${(o / s).toFixed(2)} (target <= 2.5) | ${(r / o).toFixed(1)} (target >= 5) |`,
  );
} finally {
  rmSync(repo, { recursive: true, force: true });
}
