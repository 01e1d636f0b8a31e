/**
 * exprag run benchmarks, each a ratio against a baseline measured in the same process:
 *   start-up     `exprag run -- true` outside git, against a Bun hello world built as exprag is
 *                (minified, bytecode): the runtime's own start-up (target: at most 1.3x); `exprag --version`
 *                and `exprag ls` of an empty store beside it. Fastest of the rounds, sides alternating,
 *                and the median of each round's ratio (steadier on a loaded machine);
 *                `--first-wave PATH` adds another build (the first wave's) as a column.
 *   passthrough  512 MiB through exprag with its log, against `cat | tee`  (target: ratio <= 1.0, peak RSS < 80 MB
 *                in every run: each run's peak is shown)
 *   ingest       `exprag run -- cat` of 1M magic lines                      (target: >= 1,500,000 records/s)
 *                and the same with a stop rule on a path every record carries (target: >= 1,500,000
 *                records/s, at most 10% below the run without rules; the median of the rounds'
 *                ratios beside it)
 *
 * Usage: bun scripts/bench/run.ts [--quick] [--rounds N] [--first-wave PATH] [startup|passthrough|ingest ...]
 *        (build first: npm run build; or npm run bench)
 * Runs alternate between the two sides and report medians; `sync` runs before each timed run so
 * one run's disk writeback does not land on the next.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchEnv, benchMagicLine, builtExprag, fastest, median } from "./common";

const quick = process.argv.includes("--quick");
const roundsFlag = process.argv.indexOf("--rounds");
const roundsOverride = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : null;
const chosen = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith("--") && all[i - 1] !== "--rounds" && all[i - 1] !== "--first-wave");
const firstWaveFlag = process.argv.indexOf("--first-wave");
const firstWave = firstWaveFlag > 0 ? process.argv[firstWaveFlag + 1]! : null;
const exprag = builtExprag();
const work = mkdtempSync(join(tmpdir(), "exprag-bench-"));
const env = benchEnv();
const hasGnuTime = existsSync("/usr/bin/time");

function timed(argv: string[], cwd = work): { ms: number; peakKb: number | null } {
  Bun.spawnSync(["sync"]);
  const command = hasGnuTime ? ["/usr/bin/time", "-f", "%M", "-o", join(work, "peak.txt"), ...argv] : argv;
  const started = performance.now();
  const result = Bun.spawnSync(command, { cwd, env, stdout: "ignore", stderr: "ignore" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} exited with ${result.exitCode}`);
  const peakKb = hasGnuTime ? Number(readFileSync(join(work, "peak.txt"), "utf8").trim().split("\n").at(-1)) : null;
  return { ms, peakKb };
}

function clearStore(): void {
  rmSync(join(work, ".exprag"), { recursive: true, force: true });
}

/** A compiled Bun program of `code`, built with exprag's build flags. */
async function compiled(name: string, code: string): Promise<string> {
  const source = join(work, `${name}.ts`);
  writeFileSync(source, code);
  const outfile = join(work, name);
  const built = await Bun.build({
    entrypoints: [source],
    compile: { outfile, autoloadDotenv: false, autoloadBunfig: false },
    minify: true,
    bytecode: true,
    target: "bun",
    format: "cjs",
  });
  if (!built.success) throw new Error(`building ${name} failed`);
  return outfile;
}

/**
 * What any wrapper of `true` on this runtime costs: node:fs and bun:ffi loaded, a file created,
 * `true` spawned with its output on pipes and waited for, the file synced. exprag does all of it.
 */
const BARE_RUN = `
const { openSync, writeSync, fsyncSync, closeSync } = require("node:fs");
require("bun:ffi");
const fd = openSync(\`bare-\${process.pid}.jsonl\`, "ax", 0o600);
writeSync(fd, "{}\\n");
Bun.spawn(["true"], { stdio: ["inherit", "pipe", "pipe"] }).exited.then(() => {
  writeSync(fd, "{}\\n");
  fsyncSync(fd);
  closeSync(fd);
  console.error("done");
});
`;

async function startup() {
  const rounds = roundsOverride ?? (quick ? 15 : 40);
  const hello = await compiled("hello", 'console.log("hello");\n');
  const bare = await compiled("bare-run", BARE_RUN);
  const jobs = [
    { name: "start-up: `exprag run -- true` outside git", args: ["run", "--", "true"] },
    { name: "start-up: `exprag --version`", args: ["--version"] },
    { name: "start-up: `exprag ls` of an empty store", args: ["ls", "--dir", mkdtempSync(join(work, "empty-store-"))] },
  ];
  const builds = [exprag, ...(firstWave ? [firstWave] : [])];
  const floor: number[] = [];
  const bareTimes: number[] = [];
  const times = jobs.map(() => builds.map((): number[] => []));
  // The floor's files pile up elsewhere: the folder exprag runs in, which its outputs search reads, stays as it was.
  const bareDir = mkdtempSync(join(tmpdir(), "exprag-bench-bare-"));
  const time = (argv: string[], cwd = work) => {
    const started = performance.now();
    Bun.spawnSync(argv, { cwd, env, stdout: "ignore", stderr: "ignore" });
    return performance.now() - started;
  };
  for (let i = 0; i < rounds; i++) {
    floor.push(time([hello]));
    bareTimes.push(time([bare], bareDir));
    jobs.forEach((job, j) => {
      builds.forEach((build, b) => {
        times[j]![b]!.push(time([build, ...job.args]));
      });
    });
  }
  clearStore();
  rmSync(bareDir, { recursive: true, force: true });
  const base = fastest(floor);
  // Each round times the hello world and every job back to back: the median of the rounds' ratios
  // holds on a loaded machine, where the fastest runs of the two sides may come from different moments.
  const paired = (ms: number[]) => `median of the rounds' ratios ${median(ms.map((t, i) => t / floor[i]!)).toFixed(2)}x`;
  const bareRow = {
    name: "the same runtime's floor for a wrapper: a compiled program that creates a file, spawns `true` on pipes, waits, fsyncs",
    baseline: `hello world: ${base.toFixed(1)} ms`,
    exprag: `${fastest(bareTimes).toFixed(1)} ms`,
    result: `${(fastest(bareTimes) / base).toFixed(2)}x; ${paired(bareTimes)}`,
    target: "-",
    ok: true,
  };
  const rows = jobs.map((job, j) => {
    const [ours, theirs] = times[j]!.map(fastest);
    return {
      name: job.name,
      baseline: `hello world: ${base.toFixed(1)} ms`,
      exprag: `${ours!.toFixed(1)} ms${theirs === undefined ? "" : `; first wave ${theirs.toFixed(1)} ms (${(theirs / base).toFixed(2)}x; ${paired(times[j]![1]!)})`}`,
      result: `${(ours! / base).toFixed(2)}x; ${paired(times[j]![0]!)}`,
      target: j === 0 ? "at most 1.3x" : "-",
      ok: j === 0 ? ours! / base <= 1.3 : true,
    };
  });
  return [rows[0]!, bareRow, ...rows.slice(1)];
}

function writeFile(path: string, bytes: number, line: (i: number) => string): void {
  const fd = openSync(path, "w");
  let written = 0;
  const block: string[] = [];
  for (let i = 0; written < bytes; i++) {
    const text = line(i);
    block.push(text);
    written += text.length;
    if (block.length === 4096) writeSync(fd, block.splice(0).join(""));
  }
  writeSync(fd, block.join(""));
  closeSync(fd);
}

function passthrough() {
  const size = quick ? 64 * 1024 * 1024 : 512 * 1024 * 1024;
  const file = join(work, "output.txt");
  writeFile(file, size, (i) => `epoch ${i % 100} batch ${i} loss ${(1 / (i + 1)).toFixed(6)} ${"#".repeat(i % 60)}\n`);
  const bytes = statSync(file).size;
  const rounds = roundsOverride ?? (quick ? 3 : 5);
  const tee: number[] = [];
  const ours: number[] = [];
  const peaks: number[] = [];
  for (let i = 0; i < rounds; i++) {
    tee.push(timed(["sh", "-c", `cat '${file}' | tee '${join(work, "tee.log")}' > /dev/null`]).ms);
    rmSync(join(work, "tee.log"), { force: true });
    const run = timed(["sh", "-c", `exec '${exprag}' run -- cat '${file}' > /dev/null`]);
    ours.push(run.ms);
    if (run.peakKb !== null) peaks.push(run.peakKb);
    const log = readdirSync(join(work, ".exprag", "runs")).find((f) => f.endsWith(".log"))!;
    if (statSync(join(work, ".exprag", "runs", log)).size !== bytes) throw new Error("the output log is incomplete");
    clearStore();
  }
  rmSync(file);
  const ratio = median(ours) / median(tee);
  const peakMb = peaks.length ? Math.max(...peaks) / 1024 : null;
  return {
    name: `passthrough: ${(bytes / 1048576).toFixed(0)} MiB with the log kept`,
    baseline: `cat \\| tee: ${median(tee).toFixed(0)} ms (${Math.min(...tee).toFixed(0)}-${Math.max(...tee).toFixed(0)})`,
    exprag: `${median(ours).toFixed(0)} ms (${Math.min(...ours).toFixed(0)}-${Math.max(...ours).toFixed(0)}), peak RSS ${peakMb === null ? "n/a" : `${peakMb.toFixed(0)} MB (each run: ${peaks.map((kb) => (kb / 1024).toFixed(0)).join(", ")})`}`,
    result: `ratio ${ratio.toFixed(2)}`,
    target: "ratio <= 1.0, peak RSS < 80 MB",
    ok: ratio <= 1.0 && (peakMb === null || peakMb < 80),
  };
}

function ingest() {
  const records = quick ? 200_000 : 1_000_000;
  const file = join(work, "magic.txt");
  const fd = openSync(file, "w");
  for (let start = 0; start < records; start += 10_000) {
    const lines: string[] = [];
    for (let i = start; i < start + 10_000; i++) lines.push(benchMagicLine(i));
    writeSync(fd, lines.join(""));
  }
  closeSync(fd);
  const rounds = roundsOverride ?? (quick ? 3 : 5);
  const rule = "metrics.loss > 5";
  const sides = { plain: [] as number[], rule: [] as number[] };
  const peaks: number[] = [];
  // The two sides alternate, so a slow moment of the machine falls on both.
  for (let i = 0; i < rounds; i++) {
    for (const side of ["plain", "rule"] as const) {
      const run = timed([exprag, "run", "--no-log", ...(side === "rule" ? ["--stop-when", rule] : []), "--", "cat", file]);
      sides[side].push(run.ms);
      if (run.peakKb !== null) peaks.push(run.peakKb);
      const runFile = join(work, ".exprag", "runs", readdirSync(join(work, ".exprag", "runs"))[0]!);
      const lines = readFileSync(runFile, "utf8").split("\n").length - 1;
      if (lines !== records + 2) throw new Error(`expected ${records + 2} records, found ${lines}`);
      clearStore();
    }
  }
  rmSync(file);
  const perSecond = records / (median(sides.plain) / 1000);
  const withRule = records / (median(sides.rule) / 1000);
  const slower = 1 - withRule / perSecond;
  // Each round runs the two sides back to back: the median of the rounds' own ratios holds where a
  // busy moment of a shared machine falls on one side's median and not the other's.
  const pairedSlower = median(sides.rule.map((ms, i) => ms / sides.plain[i]!)) - 1;
  return [
    {
      name: `ingest: ${records.toLocaleString("en")} magic lines through \`exprag run -- cat\``,
      baseline: "-",
      exprag: `${median(sides.plain).toFixed(0)} ms, peak RSS ${peaks.length ? `${(Math.max(...peaks) / 1024).toFixed(0)} MB` : "n/a"}`,
      result: `${Math.round(perSecond).toLocaleString("en")} records/s`,
      target: ">= 1,500,000 records/s",
      ok: perSecond >= 1_500_000,
    },
    {
      name: `ingest with \`--stop-when '${rule}'\` (every record carries the path)`,
      baseline: `without rules: ${median(sides.plain).toFixed(0)} ms`,
      exprag: `${median(sides.rule).toFixed(0)} ms`,
      result: `${Math.round(withRule).toLocaleString("en")} records/s, ${(slower * 100).toFixed(1)}% slower (median of the rounds' ratios: ${(pairedSlower * 100).toFixed(1)}%)`,
      target: ">= 1,500,000 records/s, <= 10% slower",
      ok: withRule >= 1_500_000 && slower <= 0.1,
    },
  ];
}

try {
  writeFileSync(join(work, "README"), "exprag benchmark scratch directory\n");
  const benchmarks = { startup, passthrough, ingest };
  const names = chosen.length ? chosen : Object.keys(benchmarks);
  const rows = [];
  for (const name of names) {
    const run = benchmarks[name as keyof typeof benchmarks];
    if (!run) throw new Error(`unknown benchmark ${name}; choose from ${Object.keys(benchmarks).join(", ")}`);
    rows.push(...[await run()].flat());
  }
  console.log("| benchmark | baseline | exprag | result | target | met |");
  console.log("|---|---|---|---|---|---|");
  for (const row of rows) console.log(`| ${row.name} | ${row.baseline} | ${row.exprag} | ${row.result} | ${row.target} | ${row.ok ? "yes" : "NO"} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
