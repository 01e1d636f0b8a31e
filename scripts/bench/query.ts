/**
 * Query benchmarks on a generated store of 10,000 runs x 100 records (1M records), medians of
 * alternating rounds, warm cache:
 *   exprag ls --all --json           against  cat runs/*.jsonl | wc -l      (target: ratio <= 1.5)
 *   exprag best metrics.acc --max    against  the same ranking in jq        (target: >= 20x faster)
 *   ls --all --json --where 'meta.lr < 0.1 and metrics.acc > 0.5'  against  ls --all --json  (target: ratio <= 1.5)
 *   ls --all --json --where 'max(metrics.acc) > 0.5'  against  the same selection in jq  (target: >= 20x faster)
 *   peak RSS of every exprag command                                        (target: < 150 MB)
 *
 * Usage: bun scripts/bench/query.ts [--runs N] [--rounds N]   (build first: npm run build; needs jq)
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtExprag, flag, median } from "./common";

const runs = flag("--runs", 10_000);
const rounds = flag("--rounds", 5);
const exprag = builtExprag();
if (!Bun.which("jq")) throw new Error("jq is needed for the baseline (apt-get install jq)");

const store = mkdtempSync(join(tmpdir(), "exprag-query-bench-"));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("EXPRAG_"))) as Record<string, string>;

function generate(): void {
  console.error(`generating ${runs} runs x 100 records in ${store} ...`);
  mkdirSync(join(store, "runs"), { recursive: true });
  const start = Date.UTC(2026, 0, 1);
  for (let r = 0; r < runs; r++) {
    const time = (start + r * 60_000).toString(16).padStart(12, "0");
    const id = `${time.slice(0, 8)}-${time.slice(8)}-7${(r % 4096).toString(16).padStart(3, "0")}-8${"0".repeat(3)}-${r.toString(16).padStart(12, "0")}`;
    const head = `{"schema_version":1,"exprag_version":"0.1.0","run_id":"${id}","experiment_name":"exp-${r % 50}","kind":"`;
    const at = (ms: number) => `,"created_at":"${new Date(start + r * 60_000 + ms).toISOString()}","elapsed_ms":${ms}}`;
    const lines = [
      `${head}run_start","value":{"git":{"commit":"${"a".repeat(40)}","branch":"main","dirty":false},"host":{"hostname":"bench"},"process":{"pid":1,"argv":["python","train.py"],"started":{"host":"bench","pid":1,"start_ticks":1}},"metadata":{"lr":${(r % 97) / 1000},"hparams":{"lr":${(r % 97) / 1000}}}}${at(0)}`,
    ];
    for (let step = 0; step < 98; step++) {
      const acc = (0.5 + 0.4 * (1 - Math.exp(-step / 30)) * ((r % 1000) / 1000)).toFixed(6);
      lines.push(`${head}track","value":{"step":${step},"metrics":{"loss":${(1 / (step + 1)).toFixed(6)},"acc":${acc}}}${at(step * 10)}`);
    }
    lines.push(
      `${head}run_end","value":{"status":"ok","exit_code":0,"signal":null,"duration_ms":1000,"counts":{"track":98,"meta":0,"note":0,"parse_error":0}}${at(1000)}`,
    );
    const fd = openSync(join(store, "runs", `${id}.jsonl`), "w");
    writeSync(fd, `${lines.join("\n")}\n`);
    closeSync(fd);
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

try {
  generate();
  const cat = ["sh", "-c", "cat runs/*.jsonl | wc -l"];
  const ls = [exprag, "ls", "--all", "--json", "--dir", store];
  const best = [exprag, "best", "metrics.acc", "--max", "--dir", store];
  const jq = ["sh", "-c", `jq -n '${jqRanking}' runs/*.jsonl`];
  const where = [...ls, "--where", "meta.lr < 0.1 and metrics.acc > 0.5"];
  const aggregate = [...ls, "--where", "max(metrics.acc) > 0.5"];
  const jqAggregate = ["sh", "-c", `jq -n '${jqMaxAcc}' runs/*.jsonl`];
  for (const warm of [cat, ls, best, where, aggregate]) timed(warm);
  const times: Record<string, number[]> = { cat: [], ls: [], best: [], jq: [], where: [], aggregate: [], jqAggregate: [] };
  let peak = 0;
  for (let i = 0; i < rounds; i++) {
    times.cat!.push(timed(cat).ms);
    const l = timed(ls);
    times.ls!.push(l.ms);
    const b = timed(best);
    times.best!.push(b.ms);
    const w = timed(where);
    times.where!.push(w.ms);
    const a = timed(aggregate);
    times.aggregate!.push(a.ms);
    peak = Math.max(peak, l.peakMb ?? 0, b.peakMb ?? 0, w.peakMb ?? 0, a.peakMb ?? 0);
    if (i < 2) {
      times.jq!.push(timed(jq).ms);
      times.jqAggregate!.push(timed(jqAggregate).ms);
    }
  }
  const [c, l, b, j] = [median(times.cat!), median(times.ls!), median(times.best!), median(times.jq!)];
  const [w, a, ja] = [median(times.where!), median(times.aggregate!), median(times.jqAggregate!)];
  console.log("| benchmark | baseline | exprag | result | target | met |");
  console.log("|---|---|---|---|---|---|");
  console.log(
    `| \`ls --all --json\`, ${runs.toLocaleString("en")} runs x 100 records | cat \\| wc -l: ${c.toFixed(0)} ms | ${l.toFixed(0)} ms | ratio ${(l / c).toFixed(2)} | <= 1.5 | ${l / c <= 1.5 ? "yes" : "no"} |`,
  );
  console.log(
    `| \`best metrics.acc --max\` | jq: ${j.toFixed(0)} ms | ${b.toFixed(0)} ms | ${(j / b).toFixed(1)}x faster | >= 20x | ${j / b >= 20 ? "yes" : "no"} |`,
  );
  console.log(
    `| \`ls --all --json --where 'meta.lr < 0.1 and metrics.acc > 0.5'\` | ls --all --json: ${l.toFixed(0)} ms | ${w.toFixed(0)} ms | ratio ${(w / l).toFixed(2)} | <= 1.5 | ${w / l <= 1.5 ? "yes" : "no"} |`,
  );
  console.log(
    `| \`ls --all --json --where 'max(metrics.acc) > 0.5'\` | jq: ${ja.toFixed(0)} ms | ${a.toFixed(0)} ms | ${(ja / a).toFixed(1)}x faster | >= 20x | ${ja / a >= 20 ? "yes" : "no"} |`,
  );
  console.log(`| peak RSS of ls, best and the selections | - | ${peak.toFixed(0)} MB | - | < 150 MB | ${peak < 150 ? "yes" : "no"} |`);
} finally {
  rmSync(store, { recursive: true, force: true });
}
