/**
 * Git capture benchmark: a generated repository of 30,000 files of about 10 KB, with 50 modified
 * and 20 untracked files. Compares, warm cache, the fastest of alternating rounds:
 *   git status --porcelain                         (baseline)
 *   exprag run -- true                             (target: at most 2.0x the baseline)
 *   read-tree HEAD + add --all into a fresh index  (the original exprag's way; target: exprag at least 5x faster)
 *   the run's search for its outputs (in process), part of exprag's figure: watching every folder before the
 *     command (outputs-watch.ts), then testing the files the kernel named; the whole search (one lstat per
 *     file), which a run falls back to where it cannot watch, is shown beside it
 * `--first-wave PATH` adds another build's `exprag run -- true` (the first wave's) as a column.
 *
 * `--untracked N` and `--deleted N` (at most 50) make the tree dirtier than the 20 untracked files of the row.
 *
 * Usage: bun scripts/bench/git.ts [--files N] [--rounds N] [--untracked N] [--deleted N] [--first-wave PATH]   (build first: npm run build)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { folderRule } from "../../src/core/context/output-folders";
import { findOutputs } from "../../src/core/context/outputs";
import { OutputsWatch } from "../../src/core/context/outputs-watch";
import { BENCH_IDENTITY, benchEnv, builtExprag, fastest, flag } from "./common";
import { generateRepo } from "./repo";

const files = flag("--files", 30_000);
const rounds = flag("--rounds", 7);
const dirt = { untracked: flag("--untracked", 20), deleted: flag("--deleted", 0) };
const exprag = builtExprag();
const firstWaveFlag = process.argv.indexOf("--first-wave");
const firstWave = firstWaveFlag > 0 ? process.argv[firstWaveFlag + 1]! : null;

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
  generateRepo(repo, files, run, dirt);
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
  const theirs: number[] = [];
  const original: number[] = [];
  const outputs: number[] = [];
  const wholeSearch: number[] = [];
  for (let i = 0; i < rounds; i++) {
    status.push(run(["git", "status", "--porcelain"]));
    ours.push(run([exprag, "run", "--", "true"]));
    if (firstWave) theirs.push(run([firstWave, "run", "--", "true"]));
    original.push(readTreeAdd());
    const request = { root: repo, since: Date.now(), globs: [], skip: [join(repo, ".exprag")] };
    const started = performance.now();
    const watch = OutputsWatch.start(repo, folderRule(request.skip));
    findOutputs(request, watch?.changes() ?? null);
    outputs.push(performance.now() - started);
    const whole = performance.now();
    findOutputs(request);
    wholeSearch.push(performance.now() - whole);
  }
  const [s, o, r, f, w] = [fastest(status), fastest(ours), fastest(original), fastest(outputs), fastest(wholeSearch)];
  const wave = firstWave ? ` | ${fastest(theirs).toFixed(0)} ms (${(fastest(theirs) / s).toFixed(2)})` : "";
  console.log(
    `| repository | git status --porcelain | exprag run -- true | ${firstWave ? "first wave | " : ""}of which outputs (in process, watched) | whole outputs search (fallback) | read-tree HEAD + add --all | exprag / status | read-tree+add / exprag |`,
  );
  console.log(`|---|---|---|${firstWave ? "---|" : ""}---|---|---|---|---|`);
  console.log(
    `| ${files.toLocaleString("en")} files of ~10 KB, 50 modified, ${dirt.untracked.toLocaleString("en")} untracked${dirt.deleted ? `, ${dirt.deleted} deleted` : ""} | ${s.toFixed(0)} ms | ${o.toFixed(0)} ms${wave} | ${f.toFixed(0)} ms (${(f / s).toFixed(2)}x status) | ${w.toFixed(0)} ms (${(w / s).toFixed(2)}x status) | ${r.toFixed(0)} ms | ${(o / s).toFixed(2)} (target <= 2.0) | ${(r / o).toFixed(1)} (target >= 5) |`,
  );
} finally {
  rmSync(repo, { recursive: true, force: true });
}
