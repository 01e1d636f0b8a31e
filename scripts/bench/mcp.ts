/**
 * `exprag mcp` start-up: from spawning it to its answer to tools/list (initialize, then
 * tools/list, written at once as a client does), against the binary's own start-up
 * (`exprag --version`), measured in the same process, rounds alternating, medians.
 *   first answer    target: < 100 ms
 * Also the CPU time (user + system) each process used in all, which a busy machine inflates
 * less than the time it takes.
 *
 * Usage: bun scripts/bench/mcp.ts [--rounds N]   (build first: npm run build; or npm run bench)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchEnv, builtExprag, flag, median } from "./common";

const rounds = flag("--rounds", 40);
const exprag = builtExprag();
const work = mkdtempSync(join(tmpdir(), "exprag-mcp-bench-"));
const env = benchEnv();

const requests = `${[
  { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } } },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list" },
]
  .map((message) => JSON.stringify(message))
  .join("\n")}\n`;

/** User + system CPU time in milliseconds (Bun counts microseconds). */
const cpuMs = (usage: { cpuTime: { user: number | bigint; system: number | bigint } } | undefined) =>
  usage ? (Number(usage.cpuTime.user) + Number(usage.cpuTime.system)) / 1000 : Number.NaN;

/** Milliseconds from spawn to the whole answer to tools/list (id 2), and the process's CPU time. */
async function firstAnswer(): Promise<{ ms: number; cpu: number }> {
  const started = performance.now();
  const proc = Bun.spawn([exprag, "mcp"], { cwd: work, env, stdin: "pipe", stdout: "pipe", stderr: "ignore" });
  proc.stdin.write(requests);
  proc.stdin.flush();
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let ms = Number.NaN;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const line = text.split("\n").find((l) => l.includes('"id":2'));
    if (line && text.endsWith("\n")) {
      ms = performance.now() - started;
      if (!JSON.parse(line).result?.tools?.length) throw new Error(`tools/list did not answer with tools: ${line.slice(0, 200)}`);
      break;
    }
  }
  proc.stdin.end();
  if ((await proc.exited) !== 0) throw new Error(`exprag mcp exited with ${proc.exitCode}`);
  if (Number.isNaN(ms)) throw new Error(`exprag mcp never answered tools/list: ${text.slice(0, 200)}`);
  return { ms, cpu: cpuMs(proc.resourceUsage()) };
}

function version(): { ms: number; cpu: number } {
  const started = performance.now();
  const result = Bun.spawnSync([exprag, "--version"], { cwd: work, env, stdout: "ignore", stderr: "ignore" });
  if (result.exitCode !== 0) throw new Error("exprag --version failed");
  return { ms: performance.now() - started, cpu: cpuMs(result.resourceUsage) };
}

const range = (values: number[]) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;

try {
  for (let i = 0; i < 3; i++) {
    version();
    await firstAnswer();
  }
  const baseline: { ms: number; cpu: number }[] = [];
  const mcp: { ms: number; cpu: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    baseline.push(version());
    mcp.push(await firstAnswer());
  }
  const [base, answer] = [baseline, mcp].map((runs) => runs.map((run) => run.ms));
  const [baseCpu, answerCpu] = [baseline, mcp].map((runs) => median(runs.map((run) => run.cpu)));
  const took = median(answer!);
  console.log("| benchmark | baseline | exprag | result | target | met |");
  console.log("|---|---|---|---|---|---|");
  console.log(
    `| start-up: \`exprag mcp\` to its answer to initialize + tools/list | exprag --version: ${median(base!).toFixed(1)} ms (${range(base!)}), CPU ${baseCpu!.toFixed(1)} ms | ${took.toFixed(1)} ms (${range(answer!)}), CPU ${answerCpu!.toFixed(1)} ms | +${(took - median(base!)).toFixed(1)} ms over the binary's start-up | < 100 ms | ${took < 100 ? "yes" : "NO"} |`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
