/**
 * GPU use while a run lives, from one `nvidia-smi --query-gpu ... --loop-ms=N` started once: it prints
 * a line per GPU every N ms, and the monitor keeps each GPU's latest line. Nothing ever waits for
 * it, so a hanging or failing nvidia-smi costs the run nothing but its GPU figures.
 */

import { errnoReason } from "../errors";
import type { GpuSample } from "../record/schema";
import { endTool, startTool } from "./gpus";

const MIB = 1024 * 1024;
/** How long the end of a run waits for nvidia-smi's last words (an exit message), at most. */
const STOP_WAIT_MS = 500;

export class GpuMonitor {
  private readonly latest = new Map<number, { sample: GpuSample; at: number }>();
  private readonly child: Bun.Subprocess<"ignore", "pipe", "pipe"> | null = null;
  private lines = 0;
  private failure: string | null = null;
  /** It was still running when the run ended, and was killed: its end is no failure. */
  private killed = false;
  private reading: Promise<void> = Promise.resolve();
  /** Its output is open still: some process of its group may write more. */
  private streamOpen = true;

  /**
   * Starts the query at `tool` (a resolved nvidia-smi); `visible` keeps only those GPU indices
   * (null: all). The first lines are awaited by no one.
   */
  constructor(
    tool: string,
    env: NodeJS.ProcessEnv,
    private readonly everyMs: number,
    private readonly visible: number[] | null,
  ) {
    try {
      this.child = startTool(
        [
          tool,
          "--query-gpu=index,utilization.gpu,memory.used,memory.total",
          "--format=csv,noheader,nounits",
          `--loop-ms=${Math.max(100, Math.round(everyMs))}`,
        ],
        env,
      );
    } catch (error) {
      this.failure = `nvidia-smi could not start (${errnoReason(error)})`;
      return;
    }
    this.reading = this.read(this.child);
  }

  private async read(child: Bun.Subprocess<"ignore", "pipe", "pipe">): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of child.stdout) {
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) this.take(line);
      }
    } catch {
      // the stream ends with the process
    }
    this.streamOpen = false;
    const code = await child.exited;
    if (!this.killed && this.failure === null) {
      const stderr = (await new Response(child.stderr).text()).trim().split("\n")[0] ?? "";
      this.failure = `nvidia-smi ended (exit ${code})${stderr ? `: ${stderr.slice(0, 200)}` : ""}`;
    }
  }

  private take(line: string): void {
    const [index, use, used, total] = line.split(",").map((field) => Number(field.trim()));
    if (![index, use, used, total].every((n) => n !== undefined && Number.isFinite(n)) || !Number.isInteger(index)) return;
    if (this.visible && !this.visible.includes(index!)) return;
    this.lines++;
    this.latest.set(index!, { sample: { utilization: use!, memory_used: used! * MIB, memory_total: total! * MIB }, at: performance.now() });
  }

  /** Each GPU's latest figures, left out when older than three periods (a stalled nvidia-smi). */
  current(): Record<`gpu${number}`, GpuSample> {
    const fresh = performance.now() - 3 * Math.max(this.everyMs, 1000);
    const gpus: Record<`gpu${number}`, GpuSample> = {};
    for (const [index, { sample, at }] of [...this.latest.entries()].sort(([a], [b]) => a - b)) if (at >= fresh) gpus[`gpu${index}`] = sample;
    return gpus;
  }

  /** Why there are no figures: it failed, or never answered; null when it answered. */
  problem(): string | null {
    if (this.failure) return this.failure;
    return this.lines === 0 ? "nvidia-smi gave no figures while the run lived" : null;
  }

  /**
   * Ends the query and what it started, and waits a moment at most for what it said before it
   * ended. Its group is killed while its first process lives or its output is open still (a
   * wrapper's children hold it): the group is there then, its id no one else's.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && ((child.exitCode === null && child.signalCode === null) || this.streamOpen)) {
      this.killed = true;
      endTool(child);
    }
    await Promise.race([this.reading, Bun.sleep(STOP_WAIT_MS)]);
  }
}

/** The GPU indices CUDA_VISIBLE_DEVICES names, when it names them by number; null: all of them. */
export function visibleGpus(env: NodeJS.ProcessEnv): number[] | null {
  const text = env.CUDA_VISIBLE_DEVICES;
  if (text === undefined) return null;
  const items = text.split(",").map((item) => item.trim());
  if (text.trim() === "") return [];
  return items.every((item) => /^\d+$/.test(item)) ? items.map(Number) : null;
}
