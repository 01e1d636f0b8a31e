/**
 * Memory of the series commands on big runs: 4 runs x 1M track points (about 700 MB of run files),
 * peak RSS of each command (GNU time), the anchor being `cat` of the same files through a pipe:
 *   exprag values metrics.loss --name big --limit 20      (target: < 150 MB)
 *   exprag plot metrics.loss --name big                   (target: < 150 MB)
 *   exprag values metrics.loss --name big --all | cat      (every point; target: < 150 MB)
 *
 * Usage: bun scripts/bench/series.ts [--runs N] [--points N]   (build first: npm run build; needs /usr/bin/time)
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchEnv, builtExprag, flag } from "./common";

const runs = flag("--runs", 4);
const points = flag("--points", 1_000_000);
const exprag = builtExprag();
if (!existsSync("/usr/bin/time")) throw new Error("GNU time (/usr/bin/time) is needed for peak memory");
const store = mkdtempSync(join(tmpdir(), "exprag-series-bench-"));
const env = benchEnv({ EXPRAG_DIR: store });

function generate(): void {
  console.error(`generating ${runs} runs x ${points} points in ${store} ...`);
  mkdirSync(join(store, "runs"), { recursive: true });
  for (let r = 0; r < runs; r++) {
    const id = `019a0000-0000-7000-8000-${r.toString(16).padStart(12, "0")}`;
    const head = `{"schema_version":1,"exprag_version":"0.1.0","run_id":"${id}","experiment_name":"big","kind":"`;
    const fd = openSync(join(store, "runs", `${id}.jsonl`), "w");
    writeSync(fd, `${head}run_start","value":{"git":null},"created_at":"2026-01-01T00:00:00.000Z","elapsed_ms":0}\n`);
    const lines: string[] = [];
    for (let step = 0; step < points; step++) {
      lines.push(
        `${head}track","value":{"step":${step},"metrics":{"loss":${(1 / (step + 1)).toFixed(8)}}},"created_at":"2026-01-01T00:00:01.000Z","elapsed_ms":${step}}`,
      );
      if (lines.length === 10_000) writeSync(fd, `${lines.splice(0).join("\n")}\n`);
    }
    if (lines.length) writeSync(fd, `${lines.join("\n")}\n`);
    writeSync(fd, `${head}run_end","value":{"status":"ok","exit_code":0},"created_at":"2026-01-01T00:00:02.000Z","elapsed_ms":${points}}\n`);
    closeSync(fd);
  }
}

/** Peak RSS in MB and seconds of a shell line whose measured command is `argv`, stdout to a pipe. */
function peak(argv: string[]): { mb: number; s: number } {
  const file = join(store, "peak.txt");
  const quoted = argv.map((word) => `'${word}'`).join(" ");
  const started = performance.now();
  const result = Bun.spawnSync(["sh", "-c", `/usr/bin/time -f %M -o ${file} ${quoted} | cat > /dev/null`], { env, stdout: "ignore", stderr: "pipe" });
  const s = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${result.stderr.toString()}`);
  return { mb: Number(readFileSync(file, "utf8").trim().split("\n").at(-1)) / 1024, s };
}

try {
  generate();
  const files = join(store, "runs", "*.jsonl");
  const anchor = peak(["sh", "-c", `cat ${files}`]);
  console.log(`anchor: cat of the run files: ${anchor.mb.toFixed(1)} MB, ${anchor.s.toFixed(1)} s`);
  for (const [label, argv] of [
    ["values --limit 20", [exprag, "values", "metrics.loss", "--name", "big", "--limit", "20"]],
    ["plot", [exprag, "plot", "metrics.loss", "--name", "big"]],
    ["values --all, to a pipe", [exprag, "values", "metrics.loss", "--name", "big", "--all"]],
  ] as const) {
    const { mb, s } = peak([...argv]);
    console.log(`${label}: ${mb.toFixed(1)} MB peak (target < 150 MB), ${s.toFixed(1)} s`);
  }
} finally {
  rmSync(store, { recursive: true, force: true });
}
