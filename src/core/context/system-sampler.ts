/**
 * System metrics over a run: every period, one `system` sample of the command's whole process
 * tree (CPU use, resident memory, processes) and of each visible GPU (utilisation, memory in use),
 * and at the end the peaks for run_end. A sample is taken on a timer that keeps no one waiting:
 * /proc is read directly, GPUs come from a monitor that is never awaited.
 */
import type { SystemPeaks, SystemSample } from "../record/schema";
import type { GpuMonitor } from "./gpu-monitor";

export const DEFAULT_SYSTEM_EVERY_S = 10;

export class SystemSampler {
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly gpus: GpuMonitor | null;
  private lastAt: number;
  private lastCpu = 0;
  private busy = false;
  private stopped = false;
  private samples = 0;
  private peakRss = 0;
  private peakCpu = 0;
  private readonly gpuPeaks = new Map<string, { memory: number; useSum: number; count: number }>();

  constructor(
    private readonly root: number,
    everySeconds: number,
    env: NodeJS.ProcessEnv,
    private readonly write: (sample: SystemSample) => void,
    /** nvidia-smi, when it is on PATH: the GPUs are sampled through it. */
    tool: string | null,
  ) {
    this.lastAt = performance.now();
    // The monitor's code and the process tree's are loaded only when they are used: a short command never needs either.
    const monitor = tool ? (require("./gpu-monitor") as typeof import("./gpu-monitor")) : null;
    this.gpus = monitor && tool ? new monitor.GpuMonitor(tool, env, everySeconds * 1000, monitor.visibleGpus(env)) : null;
    this.timer = setInterval(() => void this.sample(), everySeconds * 1000);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    if (this.busy) return; // a slow `ps` is never queued behind
    this.busy = true;
    try {
      const { treeUsage } = await import("../os/process-tree");
      const usage = await treeUsage(this.root);
      if (!usage || this.stopped) return;
      const now = performance.now();
      const seconds = (now - this.lastAt) / 1000;
      const cpuPercent = seconds > 0 ? (Math.max(0, usage.cpu_seconds - this.lastCpu) / seconds) * 100 : 0;
      this.lastAt = now;
      this.lastCpu = usage.cpu_seconds;
      const sample: SystemSample = {
        cpu_percent: Math.round(cpuPercent * 10) / 10,
        rss_bytes: usage.rss_bytes,
        processes: usage.processes,
        ...this.gpus?.current(),
      };
      this.note(sample);
      this.write(sample);
    } finally {
      this.busy = false;
    }
  }

  private note(sample: SystemSample): void {
    this.samples++;
    this.peakRss = Math.max(this.peakRss, sample.rss_bytes);
    this.peakCpu = Math.max(this.peakCpu, sample.cpu_percent);
    for (const [name, gpu] of Object.entries(sample)) {
      if (typeof gpu !== "object") continue;
      const peak = this.gpuPeaks.get(name) ?? { memory: 0, useSum: 0, count: 0 };
      peak.memory = Math.max(peak.memory, gpu.memory_used);
      peak.useSum += gpu.utilization;
      peak.count++;
      this.gpuPeaks.set(name, peak);
    }
  }

  /** Stops sampling and the GPU monitor; the peaks of what was sampled, for run_end. */
  async stop(): Promise<SystemPeaks> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.gpus?.stop();
    const gpuError = this.gpus?.problem() ?? null;
    const gpus = Object.fromEntries(
      [...this.gpuPeaks.entries()].map(([name, peak]) => [
        name,
        { peak_memory_used: peak.memory, mean_utilization: Math.round((peak.useSum / peak.count) * 10) / 10 },
      ]),
    );
    return {
      samples: this.samples,
      peak_rss_bytes: this.peakRss,
      peak_cpu_percent: this.peakCpu,
      ...(this.gpuPeaks.size > 0 && { gpus }),
      ...(gpuError !== null && this.gpuPeaks.size === 0 && { gpu_error: gpuError }),
    };
  }
}
