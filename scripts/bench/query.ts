/**
 * Query benchmarks on a generated store of 10,000 runs x 100 records (1M records), the fastest of
 * alternating rounds (noise on a shared machine only adds time), warm cache. The floor is reading
 * each run file's first line and last 4 KB, what `ls` and `best` need:
 *   exprag best metrics.acc --max    against  head -q -n1 + tail -q -c 4096 over runs/*.jsonl  (target: <= 2x)
 *   exprag ls --all --json           against  the same floor                  (target: <= 2x, peak RSS < 100 MB)
 *   exprag best metrics.acc --max    against  the same ranking in jq          (target: >= 20x faster)
 *   ls --all --json --where 'meta.lr < 0.1 and metrics.acc > 0.5'  against  ls --all --json  (target: ratio <= 1.5)
 *   ls --all --json --where 'max(metrics.acc) > 0.5'  against  the same selection in jq  (target: >= 20x faster)
 *     timed warm (the store's series cache in place, as a second question finds it) and cold (its
 *     cache/ deleted first: every record read, the cache written)
 * With --first-wave BINARY (or EXPRAG_BENCH_FIRST_WAVE), ls and best (it had no --where) are also
 * timed with that build (the first wave's, commit c2d2d8c) in the same rounds, as a column.
 *
 * Usage: bun scripts/bench/query.ts [--runs N] [--rounds N] [--first-wave BINARY]   (build first; needs jq)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchRunId, builtExprag, flag, writeBenchRun } from "./common";

const runs = flag("--runs", 10_000);
const rounds = flag("--rounds", 5);
const exprag = builtExprag();
const firstWaveAt = process.argv.indexOf("--first-wave");
const firstWave = (firstWaveAt > 0 ? process.argv[firstWaveAt + 1] : process.env.EXPRAG_BENCH_FIRST_WAVE) || null;
if (!Bun.which("jq")) throw new Error("jq is needed for the baseline (apt-get install jq)");

const store = mkdtempSync(join(tmpdir(), "exprag-query-bench-"));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("EXPRAG_"))) as Record<string, string>;

function generate(): void {
  console.error(`generating ${runs} runs x 100 records in ${store} ...`);
  mkdirSync(join(store, "runs"), { recursive: true });
  const start = Date.UTC(2026, 0, 1);
  for (let r = 0; r < runs; r++) {
    const lr = (r % 97) / 1000;
    const value = `{"git":{"commit":"${"a".repeat(40)}","branch":"main","dirty":false},"host":{"hostname":"bench"},"process":{"pid":1,"argv":["python","train.py"],"started":{"host":"bench","pid":1,"start_ticks":1}},"metadata":{"lr":${lr},"hparams":{"lr":${lr}}}}`;
    writeBenchRun(join(store, "runs"), start, r, benchRunId(start, r), value);
  }
}

function timed(argv: string[]): { ms: number; peakMb: number | null } {
  const peakFile = join(store, "peak.txt");
  const command = existsSync("/usr/bin/time") ? ["/usr/bin/time", "-f", "%M", "-o", peakFile, ...argv] : argv;
  const started = performance.now();
  const result = Bun.spawnSync(command, { cwd: store, env, stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString()}`);
  const peakMb = existsSync(peakFile) ? Number(readFileSync(peakFile, "utf8").trim().split("\n").at(-1)) / 1024 : null;
  return { ms, peakMb };
}

const jqMaxAcc =
  '[inputs | select(.kind == "track" and .value.metrics.acc != null) | {run: .run_id, acc: .value.metrics.acc}] | group_by(.run) | map({run: .[0].run, max: (map(.acc) | max)}) | map(select(.max > 0.5)) | length';

const jqRanking =
  '[inputs | select(.kind == "track" and .value.metrics.acc != null) | {run: .run_id, acc: .value.metrics.acc}] | group_by(.run) | map(last) | sort_by(-.acc) | .[:20]';

const fastest = (values: number[]) => Math.min(...values);

try {
  generate();
  const floor = ["sh", "-c", "head -q -n1 runs/*.jsonl >/dev/null; tail -q -c 4096 runs/*.jsonl >/dev/null"];
  const commands = (binary: string) => {
    const ls = [binary, "ls", "--all", "--json", "--dir", store];
    return {
      ls,
      best: [binary, "best", "metrics.acc", "--max", "--dir", store],
      where: [...ls, "--where", "meta.lr < 0.1 and metrics.acc > 0.5"],
      aggregate: [...ls, "--where", "max(metrics.acc) > 0.5"],
    };
  };
  const ours = commands(exprag);
  // The first wave had no --where: its column has ls and best only.
  const theirs = firstWave ? (({ ls, best }) => ({ ls, best }))(commands(firstWave)) : null;
  const jq = ["sh", "-c", `jq -n '${jqRanking}' runs/*.jsonl`];
  const jqAggregate = ["sh", "-c", `jq -n '${jqMaxAcc}' runs/*.jsonl`];
  for (const warm of [floor, ...Object.values(ours), ...Object.values(theirs ?? {})]) timed(warm);
  type Job = keyof typeof ours;
  const jobs = Object.keys(ours) as Job[];
  const times = { floor: [] as number[], jq: [] as number[], jqAggregate: [] as number[], aggregateCold: [] as number[] };
  const mine = Object.fromEntries(jobs.map((job) => [job, [] as number[]])) as Record<Job, number[]>;
  const first = Object.fromEntries(jobs.map((job) => [job, [] as number[]])) as Record<Job, number[]>;
  const peaks = { ls: 0, firstLs: 0, all: 0 };
  for (let i = 0; i < rounds; i++) {
    times.floor.push(timed(floor).ms);
    for (const job of jobs) {
      const run = timed(ours[job]);
      mine[job].push(run.ms);
      peaks.all = Math.max(peaks.all, run.peakMb ?? 0);
      if (job === "ls") peaks.ls = Math.max(peaks.ls, run.peakMb ?? 0);
      if (!theirs || !(job in theirs)) continue;
      const old = timed(theirs[job as keyof typeof theirs]);
      first[job].push(old.ms);
      if (job === "ls") peaks.firstLs = Math.max(peaks.firstLs, old.peakMb ?? 0);
    }
    // The warm run above followed the cold run of the round before (or the warm-up), which wrote the cache.
    rmSync(join(store, "cache"), { recursive: true, force: true });
    const cold = timed(ours.aggregate);
    times.aggregateCold.push(cold.ms);
    peaks.all = Math.max(peaks.all, cold.peakMb ?? 0);
    if (i < 2) {
      times.jq.push(timed(jq).ms);
      times.jqAggregate.push(timed(jqAggregate).ms);
    }
  }
  const f = fastest(times.floor);
  const [l, b, w, a, ac] = [fastest(mine.ls), fastest(mine.best), fastest(mine.where), fastest(mine.aggregate), fastest(times.aggregateCold)];
  const [j, ja] = [fastest(times.jq), fastest(times.jqAggregate)];
  const old = (job: Job, anchor: number, faster = false) => {
    if (!theirs || !first[job].length) return "-";
    const ms = fastest(first[job]);
    return `${ms.toFixed(0)} ms (${faster ? `${(anchor / ms).toFixed(1)}x faster` : `${(ms / anchor).toFixed(2)}x`})`;
  };
  console.log("| benchmark | anchor | first wave (c2d2d8c) | exprag | result | target | met |");
  console.log("|---|---|---|---|---|---|---|");
  const floorText = `head -n1 + tail -c 4096: ${f.toFixed(0)} ms`;
  console.log(
    `| \`best metrics.acc --max\`, ${runs.toLocaleString("en")} runs x 100 records | ${floorText} | ${old("best", f)} | ${b.toFixed(0)} ms | ${(b / f).toFixed(2)}x | <= 2x | ${b / f <= 2 ? "yes" : "no"} |`,
  );
  console.log(
    `| \`ls --all --json\` | ${floorText} | ${old("ls", f)}${theirs ? `, ${peaks.firstLs.toFixed(0)} MB` : ""} | ${l.toFixed(0)} ms, peak RSS ${peaks.ls.toFixed(0)} MB | ${(l / f).toFixed(2)}x | <= 2x, < 100 MB | ${l / f <= 2 && peaks.ls < 100 ? "yes" : "no"} |`,
  );
  console.log(
    `| \`best metrics.acc --max\` | jq: ${j.toFixed(0)} ms | ${old("best", j, true)} | ${b.toFixed(0)} ms | ${(j / b).toFixed(1)}x faster | >= 20x | ${j / b >= 20 ? "yes" : "no"} |`,
  );
  console.log(
    `| \`ls --all --json --where 'meta.lr < 0.1 and metrics.acc > 0.5'\` | ls --all --json: ${l.toFixed(0)} ms | ${old("where", l)} | ${w.toFixed(0)} ms | ratio ${(w / l).toFixed(2)} | <= 1.5 | ${w / l <= 1.5 ? "yes" : "no"} |`,
  );
  console.log(
    `| \`ls --all --json --where 'max(metrics.acc) > 0.5'\`, warm (series cache in place) | jq: ${ja.toFixed(0)} ms | ${old("aggregate", ja, true)} | ${a.toFixed(0)} ms | ${(ja / a).toFixed(1)}x faster | >= 20x | ${ja / a >= 20 ? "yes" : "no"} |`,
  );
  console.log(
    `| the same, cold (cache/ deleted first: every record read, the cache written) | jq: ${ja.toFixed(0)} ms | - | ${ac.toFixed(0)} ms | ${(ja / ac).toFixed(1)}x faster | - | - |`,
  );
  console.log(`| peak RSS of ls, best and the selections | - | - | ${peaks.all.toFixed(0)} MB | - | < 150 MB | ${peaks.all < 150 ? "yes" : "no"} |`);
  console.error(`load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
} finally {
  rmSync(store, { recursive: true, force: true });
}
