/**
 * Git capture benchmark: a generated repository of 30,000 files of about 10 KB, with 50 modified
 * and 20 untracked files. Compares, warm cache, medians of alternating rounds:
 *   git status --porcelain                         (baseline)
 *   exprag run -- true                             (target: at most 2.5x the baseline)
 *   read-tree HEAD + add --all into a fresh index  (the original exprag's way; target: exprag at least 5x faster)
 *
 * Usage: bun scripts/bench/git.ts [--files N] [--rounds N]   (build first: npm run build)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_IDENTITY, benchEnv, builtExprag, flag, median } from "./common";

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

function content(i: number, version = 0): string {
  const line = `file ${i} version ${version} ${"abcdefghijklmnopqrstuvwxyz".repeat(3)} ${(i * 2654435761) % 1000003}\n`;
  return line.repeat(Math.ceil(10_000 / line.length));
}

function setUp(): void {
  console.error(`generating ${files} files in ${repo} ...`);
  run(["git", "init", "-q", "-b", "main"]);
  for (let i = 0; i < files; i++) {
    const dir = join(repo, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), content(i));
  }
  run(["git", "-c", "core.looseCompression=0", "add", "-A"]);
  run(["git", "-c", "core.looseCompression=0", "commit", "-qm", "generated"]);
  for (let i = 0; i < 50; i++) {
    const n = i * Math.floor(files / 50);
    writeFileSync(join(repo, `d${Math.floor(n / 100)}`, `f${n}.txt`), content(n, 1));
  }
  for (let i = 0; i < 20; i++) writeFileSync(join(repo, `d${i}`, `untracked${i}.txt`), content(i, 2));
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
