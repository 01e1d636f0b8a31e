/**
 * A stop rule's cost inside the process, without start-up or the child: the ingest benchmark's
 * magic lines through the run's own pipeline (MagicLineScanner -> RecordIngest -> a real RunFile,
 * flushed per 64 KiB chunk), with the observer of `--stop-when 'metrics.loss > 5'` or none. Each
 * source tree given (default: this one) is loaded into the same process and the passes alternate
 * between them, so two trees meet the same moments of a loaded machine. The first pass shows
 * the compiling (JIT) of a fresh process; the others the steady state. CPU milliseconds of the
 * whole process (compiler threads included), or wall when less.
 *
 * Usage: bun scripts/bench/rule-cost.ts [--rule] [--passes N] [--lines N] [SRC_DIR ...]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchMagicLine, flag, median } from "./common";

const rule = process.argv.includes("--rule");
const passes = flag("--passes", 21);
const lines = flag("--lines", 300_000);
const given = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith("--") && all[i - 1] !== "--passes" && all[i - 1] !== "--lines");
const sources = given.length ? given.map((dir) => resolve(dir)) : [resolve(import.meta.dir, "../../src")];

const text: string[] = [];
for (let i = 0; i < lines; i++) text.push(benchMagicLine(i));
const data = Buffer.from(text.join(""));
const CHUNK = 64 * 1024;

const trees = await Promise.all(
  sources.map(async (src) => ({
    src,
    RunFile: (await import(join(src, "core/record/writer.ts"))).RunFile,
    RecordIngest: (await import(join(src, "core/run/ingest.ts"))).RecordIngest,
    MagicLineScanner: (await import(join(src, "core/run/magic-lines.ts"))).MagicLineScanner,
    CommandStopper: (await import(join(src, "core/run/stopping.ts"))).CommandStopper,
    parseStopRules: (await import(join(src, "core/rules/stop-rule.ts"))).parseStopRules,
    times: [] as number[],
  })),
);
const work = mkdtempSync(join(tmpdir(), "exprag-rule-cost-"));
const facts = { runId: "01a24380-0000-7000-8000-000000000001", name: "bench", params: {}, metadata: {}, tags: [] };
let made = 0;
try {
  for (let pass = 0; pass < passes; pass++) {
    for (const tree of pass % 2 ? [...trees].reverse() : trees) {
      const file = join(work, `${made++}.jsonl`);
      const runFile = new tree.RunFile(file, work, facts.runId, "bench");
      runFile.startClock(performance.now());
      const ingest = new tree.RecordIngest(runFile, () => {});
      if (rule) {
        // A pid no process has: the rule never holds on these lines, and nothing is signalled.
        const stopper = new tree.CommandStopper(
          { rules: tree.parseStopRules(["metrics.loss > 5"]), timeLimit: null, graceMs: 1000 },
          facts,
          0x7ffffffe,
          performance.now(),
          () => {},
        );
        ingest.observer = stopper.observer(
          file,
          () => runFile.lastElapsedMs,
          () => ingest.divergence !== null,
        );
      }
      const scanner = new tree.MagicLineScanner({
        passthrough() {},
        magicLine: (d: Buffer, s: number, e: number) => ingest.lineBytes(d, s, e, "stdout"),
        tooLong() {},
      });
      const cpu = process.cpuUsage();
      const wall = performance.now();
      for (let at = 0; at < data.length; at += CHUNK) {
        runFile.tick();
        scanner.push(data.subarray(at, Math.min(at + CHUNK, data.length)));
        runFile.flush();
      }
      scanner.end();
      runFile.flush();
      const used = process.cpuUsage(cpu);
      tree.times.push(Math.min((used.user + used.system) / 1000, performance.now() - wall));
      if (ingest.counts.track !== lines) throw new Error(`${tree.src}: ${ingest.counts.track} records of ${lines}`);
      rmSync(file);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
for (const tree of trees) {
  const rest = tree.times.slice(1);
  const ns = (ms: number) => ((ms * 1e6) / lines).toFixed(0);
  console.log(
    `${tree.src} ${rule ? "with the rule" : "without rules"}: first pass ${tree.times[0]!.toFixed(0)} ms; then fastest ${Math.min(...rest).toFixed(1)} ms (${ns(Math.min(...rest))} ns a line), median ${median(rest).toFixed(1)} ms`,
  );
}
