/**
 * Push/pull benchmark: 1,000 runs x 100 records, each with a small output log, pushed to an
 * empty bare repository and pulled into an empty clone. Compares, medians of alternating rounds:
 *   git push + git fetch of one commit holding the same files       (baseline)
 *   exprag push + exprag pull                                       (target: at most 3x the baseline)
 *   a second exprag push with nothing new                           (target: under 1 s)
 *
 * Usage: bun scripts/bench/remote.ts [--runs N] [--rounds N]   (build first: npm run build)
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_IDENTITY, benchEnv, builtExprag, flag, median } from "./common";

const runs = flag("--runs", 1000);
const rounds = flag("--rounds", 3);
const exprag = builtExprag();

const work = mkdtempSync(join(tmpdir(), "exprag-remote-bench-"));
const env: Record<string, string> = {
  ...benchEnv(BENCH_IDENTITY),
  // Fixed dates: every round's project has the same commit, the one the generated runs name.
  GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
};

function run(cwd: string, argv: string[]): number {
  const started = performance.now();
  const result = Bun.spawnSync(argv, { cwd, env, stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString()}`);
  return ms;
}

function text(cwd: string, argv: string[]): string {
  return Bun.spawnSync(argv, { cwd, env, stdout: "pipe" }).stdout.toString().trim();
}

/** A project with one commit, and a store of `runs` runs recorded at it. */
function generateStore(store: string, commit: string): void {
  mkdirSync(join(store, "runs"), { recursive: true });
  writeFileSync(join(store, ".gitignore"), "*\n");
  const start = Date.UTC(2026, 0, 1);
  for (let r = 0; r < runs; r++) {
    const time = (start + r * 60_000).toString(16).padStart(12, "0");
    const id = `${time.slice(0, 8)}-${time.slice(8)}-7${(r % 4096).toString(16).padStart(3, "0")}-8000-${r.toString(16).padStart(12, "0")}`;
    const head = `{"schema_version":1,"exprag_version":"0.1.0","run_id":"${id}","experiment_name":"exp-${r % 50}","kind":"`;
    const at = (ms: number) => `,"created_at":"${new Date(start + r * 60_000 + ms).toISOString()}","elapsed_ms":${ms}}`;
    const lines = [
      `${head}run_start","value":{"git":{"commit":"${commit}","branch":"main","dirty":false,"snapshot_ref":null},"host":{"hostname":"bench"},"process":{"pid":1,"argv":["python","train.py"]},"metadata":{"lr":${(r % 97) / 1000}}}${at(0)}`,
    ];
    for (let step = 0; step < 98; step++) {
      lines.push(
        `${head}track","value":{"step":${step},"metrics":{"loss":${(1 / (step + 1)).toFixed(6)},"acc":${((r % 1000) / 1000).toFixed(6)}}}${at(step * 10)}`,
      );
    }
    lines.push(
      `${head}run_end","value":{"status":"ok","exit_code":0,"signal":null,"duration_ms":1000,"counts":{"track":98,"meta":0,"note":0,"parse_error":0}}${at(1000)}`,
    );
    writeFileSync(join(store, "runs", `${id}.jsonl`), `${lines.join("\n")}\n`);
    writeFileSync(join(store, "runs", `${id}.log`), Array.from({ length: 20 }, (_, i) => `epoch ${i}: loss ${(1 / (i + 1)).toFixed(4)}\n`).join(""));
  }
}

function newRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  run(dir, ["git", "init", "-q", "-b", "main"]);
  return dir;
}

function project(dir: string): string {
  newRepo(dir);
  writeFileSync(join(dir, "train.py"), "print('train')\n");
  run(dir, ["git", "add", "train.py"]);
  run(dir, ["git", "commit", "-qm", "project"]);
  return text(dir, ["git", "rev-parse", "HEAD"]);
}

/** Plain git: one commit holding every run file and log, pushed to an empty bare repository, fetched into an empty clone. */
function baselineRound(round: number, files: string): number {
  const dir = join(work, `plain-${round}`);
  newRepo(dir);
  cpSync(files, join(dir, "runs"), { recursive: true });
  run(dir, ["git", "add", "runs"]);
  run(dir, ["git", "commit", "-qm", "runs"]);
  const bare = join(work, `plain-${round}.git`);
  run(work, ["git", "init", "-q", "--bare", bare]);
  const clone = newRepo(join(work, `plain-clone-${round}`));
  run(dir, ["sync"]);
  return run(dir, ["git", "push", "-q", bare, "HEAD:refs/heads/main"]) + run(clone, ["git", "fetch", "-q", bare, "refs/heads/main:refs/remotes/origin/main"]);
}

/** exprag: push the store to an empty bare repository, pull it into an empty clone; then push again with nothing new. */
function expragRound(round: number, files: string): { ms: number; again: number } {
  const dir = join(work, `ours-${round}`);
  project(dir);
  mkdirSync(join(dir, ".exprag"));
  cpSync(files, join(dir, ".exprag", "runs"), { recursive: true });
  const bare = join(work, `ours-${round}.git`);
  run(work, ["git", "init", "-q", "--bare", bare]);
  const clone = newRepo(join(work, `ours-clone-${round}`));
  run(dir, ["sync"]);
  const ms = run(dir, [exprag, "push", bare]) + run(clone, [exprag, "pull", bare]);
  const pulled = readdirSync(join(clone, ".exprag", "runs")).length;
  if (pulled !== runs * 2) throw new Error(`pulled ${pulled} files, expected ${runs * 2}`);
  const again = run(dir, [exprag, "push", bare]);
  return { ms, again };
}

try {
  console.error(`generating ${runs} runs x 100 records in ${work} ...`);
  const files = join(work, "store");
  generateStore(files, project(join(work, "seed")));
  const plain: number[] = [];
  const ours: number[] = [];
  const again: number[] = [];
  for (let i = 0; i < rounds; i++) {
    plain.push(baselineRound(i, join(files, "runs")));
    const round = expragRound(i, join(files, "runs"));
    ours.push(round.ms);
    again.push(round.again);
  }
  const [p, o, a] = [median(plain), median(ours), median(again)];
  const range = (values: number[]) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;
  console.log("| benchmark | baseline | exprag | result | target | met |");
  console.log("|---|---|---|---|---|---|");
  console.log(
    `| push then pull, ${runs.toLocaleString("en")} runs x 100 records (+ logs), into an empty clone | git push + git fetch of one commit: ${p.toFixed(0)} ms (${range(plain)}) | ${o.toFixed(0)} ms (${range(ours)}) | ratio ${(o / p).toFixed(2)} | <= 3 | ${o / p <= 3 ? "yes" : "no"} |`,
  );
  console.log(`| second push, nothing new | - | ${a.toFixed(0)} ms (${range(again)}) | - | < 1000 ms | ${a < 1000 ? "yes" : "no"} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
