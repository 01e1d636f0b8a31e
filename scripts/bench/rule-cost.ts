/**
 * A stop rule's cost inside the process, without start-up or the child: the ingest benchmark's
 * magic lines through the run's own pipeline (MagicLineScanner -> RecordIngest -> a real RunFile,
 * flushed per 64 KiB chunk), with the observer of `--stop-when 'metrics.loss > 5'` or none. Each
 * source tree given (default: this one) is loaded into the same process and the passes alternate
 * between them, so two trees meet the same moments of a loaded machine. The first pass of the
 * first tree shows the compiling (JIT) of a fresh process (a later tree's first pass shares code
 * compiled already, so first passes compare only between processes); the others, the steady state. CPU milliseconds of the
 * whole process (compiler threads included), or wall when less. With `--check`, only the line
 * check is timed, over the lines' payloads, as ingest makes it: isPlainJson, or with `--rule` the
 * check with the rule's probe (through LineShapes where the tree has them) and its quiet-line test
 * (a tree without isPlainJsonProbed passes the probe to isPlainJson).
 *
 * Usage: bun scripts/bench/rule-cost.ts [--rule] [--check] [--passes N] [--lines N] [SRC_DIR ...]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchMagicLine, flag, median } from "./common";

const rule = process.argv.includes("--rule");
const checkOnly = process.argv.includes("--check");
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
    check: await lineCheck(src),
    times: [] as number[],
  })),
);
const starts = new Int32Array(lines);
const ends = new Int32Array(lines);
for (let i = 0, at = 0; i < lines; i++) {
  starts[i] = at + "EXPRAG::".length;
  ends[i] = data.indexOf(10, at);
  at = ends[i]! + 1;
}

/** The line check of tree `src` as a function of a line's payload (see --check). */
async function lineCheck(src: string): Promise<(b: Buffer, start: number, end: number) => boolean> {
  const plainJson = await import(join(src, "core/run/plain-json.ts"));
  const shaped = await import(join(src, "core/run/line-shape.ts")).catch(() => null);
  if (!rule) return plainJson.isPlainJson;
  const { PathProbe } = await import(join(src, "core/run/path-probe.ts"));
  const { NumberBound } = await import(join(src, "core/run/json-number-order.ts"));
  const probe = PathProbe.of([[{ key: "metrics" }, { key: "loss" }]], plainJson.MAX_DEPTH);
  probe.quietWhen(0, NumberBound.of(5), { below: true, equal: true, above: false });
  if (shaped) {
    const shape = new shaped.LineShapes(probe);
    return (b, start, end) => shape.check(b, start, end) && !probe.complex && probe.isQuiet(b);
  }
  const probed = plainJson.isPlainJsonProbed ?? plainJson.isPlainJson;
  return (b, start, end) => probed(b, start, end, probe) && !probe.complex && probe.isQuiet(b);
}

/** The check alone over every line; what it answered, counted, so it cannot be left out. */
function checkLines(check: (b: Buffer, start: number, end: number) => boolean): number {
  let yes = 0;
  for (let i = 0; i < lines; i++) if (check(data, starts[i]!, ends[i]!)) yes++;
  return yes;
}

const work = mkdtempSync(join(tmpdir(), "exprag-rule-cost-"));
const facts = { runId: "01a24380-0000-7000-8000-000000000001", name: "bench", params: {}, metadata: {}, tags: [] };
let made = 0;
const stoppers: { reason: unknown }[] = [];
try {
  for (let pass = 0; pass < passes; pass++) {
    for (const tree of pass % 2 ? [...trees].reverse() : trees) {
      if (checkOnly) {
        const cpu = process.cpuUsage();
        const wall = performance.now();
        const yes = checkLines(tree.check);
        const used = process.cpuUsage(cpu);
        tree.times.push(Math.min((used.user + used.system) / 1000, performance.now() - wall));
        // The first lines' losses (1 to 0.1) lie too near the rule's 5 to be placed by their exponent alone: not quiet.
        if (yes < lines - 10) throw new Error(`${tree.src}: ${yes} lines of ${lines} passed the check`);
        continue;
      }
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
        stoppers.push(stopper);
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
      // A rule that held would have turned the rule's path off for the rest: not what is measured.
      if (stoppers.some((stopper) => stopper.reason !== null)) throw new Error(`${tree.src}: the rule held`);
      rmSync(file);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
for (const tree of trees) {
  const rest = tree.times.slice(1);
  const ns = (ms: number) => ((ms * 1e6) / lines).toFixed(0);
  const steady = rest.length
    ? `; then fastest ${Math.min(...rest).toFixed(1)} ms (${ns(Math.min(...rest))} ns a line), median ${median(rest).toFixed(1)} ms`
    : "";
  console.log(`${tree.src} ${checkOnly ? "line check " : ""}${rule ? "with the rule" : "without rules"}: first pass ${tree.times[0]!.toFixed(0)} ms${steady}`);
}
