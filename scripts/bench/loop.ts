/**
 * The research loop's questions on a generated store of 10,000 runs x 100 records, each against
 * `exprag ls --all --json` measured in the same rounds (medians, warm cache):
 *   exprag brief --metric metrics.acc --max                         (target: ratio <= 1.5)
 *   exprag ls --group-by params.lr --sort metrics.acc --desc --json (target: ratio <= 1.5)
 *   exprag tree --metric metrics.acc --json                         (target: ratio < 2)
 *   exprag verdict A B --metric metrics.acc --max --json            (no target in #23; reported as a ratio)
 * The runs carry params (lr, seed), a hypothesis and a `from` link (chains of 20 that branch),
 * and one run in ten a decision, as a long agent loop leaves them.
 *
 * Usage: bun scripts/bench/loop.ts [--runs N] [--rounds N]   (build first: npm run build)
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchEnv, benchRunId, builtExprag, flag, median, writeBenchRun } from "./common";

const runs = flag("--runs", 10_000);
const rounds = flag("--rounds", 5);
const exprag = builtExprag();
const store = mkdtempSync(join(tmpdir(), "exprag-loop-bench-"));
const env = benchEnv();

const ids: string[] = [];

function generate(): void {
  console.error(`generating ${runs} runs x 100 records in ${store} ...`);
  mkdirSync(join(store, "runs"), { recursive: true });
  const start = Date.UTC(2026, 0, 1);
  for (let r = 0; r < runs; r++) {
    const id = benchRunId(start, r);
    ids.push(id);
    const lr = (r % 7) / 1000;
    const from = r % 20 === 0 ? "" : `,"from":"${ids[r - 1 - (r % 3 === 0 ? 1 : 0)]}"`;
    const value = `{"git":{"commit":"${"a".repeat(40)}","tree":"${"b".repeat(40)}","branch":"main","dirty":false},"host":{"hostname":"bench"},"process":{"pid":1,"argv":["python","train.py","--lr","${lr}","--seed","${r % 5}"],"started":{"host":"bench","pid":1,"start_ticks":1}},"metadata":{},"params":{"lr":${lr},"seed":${r % 5}},"why":"try idea ${r}"${from}}`;
    writeBenchRun(join(store, "runs"), start, r, id, value);
    if (r % 10 === 0) {
      const decision = r % 20 === 0 ? `{"decision":"keep"}` : `{"decision":"discard","because":"no gain"}`;
      const annotation = `{"schema_version":1,"exprag_version":"0.1.0","run_id":"${id}","kind":"decision","value":${decision},"created_at":"${new Date(start + r * 60_000 + 2000).toISOString()}","author":{"kind":"agent","name":"bench"}}\n`;
      const afd = openSync(join(store, "runs", `${id}.annotations.jsonl`), "w");
      writeSync(afd, annotation);
      closeSync(afd);
    }
  }
}

function timed(argv: string[]): number {
  const started = performance.now();
  const result = Bun.spawnSync([exprag, ...argv, "--dir", store], { cwd: store, env, stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`exprag ${argv.join(" ")}: ${result.stderr.toString()}`);
  return ms;
}

/** Its last run, and that run's parent. */
const verdictPair = () => [ids.at(-1)!, ids.at(-2)!];

const cases: [string, string[] | (() => string[]), number | null][] = [
  ["brief --metric metrics.acc --max", ["brief", "--metric", "metrics.acc", "--max"], 1.5],
  ["ls --group-by params.lr --sort metrics.acc --desc --json", ["ls", "--group-by", "params.lr", "--sort", "metrics.acc", "--desc", "--json"], 1.5],
  ["tree --metric metrics.acc --json", ["tree", "--metric", "metrics.acc", "--json"], 2],
  ["verdict A B --metric metrics.acc --max --json", () => ["verdict", ...verdictPair(), "--metric", "metrics.acc", "--max", "--json"], null],
];

try {
  generate();
  const anchor: number[] = [];
  const times = cases.map(() => [] as number[]);
  timed(["ls", "--all", "--json"]); // warm the cache
  for (let round = 0; round < rounds; round++) {
    anchor.push(timed(["ls", "--all", "--json"]));
    for (const [i, [, argv]] of cases.entries()) times[i]!.push(timed(typeof argv === "function" ? argv() : argv));
  }
  const base = median(anchor);
  console.log(`| benchmark | ls --all --json | exprag | ratio | target | met |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const [i, [name, , target]] of cases.entries()) {
    const ms = median(times[i]!);
    const ratio = ms / base;
    const met = target === null ? "-" : (target === 2 ? ratio < target : ratio <= target) ? "yes" : "no";
    const goal = target === null ? "none named" : target === 2 ? "< 2" : `<= ${target}`;
    console.log(`| \`${name}\`, ${runs} runs | ${base.toFixed(0)} ms | ${ms.toFixed(0)} ms | ${ratio.toFixed(2)} | ${goal} | ${met} |`);
  }
} finally {
  rmSync(store, { recursive: true, force: true });
}
