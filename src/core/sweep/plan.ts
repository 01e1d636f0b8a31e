/** A sweep before it runs: its id, its runs' commands, and its slots and their devices. No I/O. */
import { usageError } from "../errors";
import type { SweepRun } from "./execute";
import { type Point, substitute } from "./points";

/** 8 random hex digits: the tag `sweep:<id>` finds the sweep's runs. */
export function newSweepId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex");
}

/** Every point's command; `unusedKeys` are keys the command never names (only params hold them). */
export function planSweep(command: string[], points: Point[]): { runs: SweepRun[]; unusedKeys: string[] } {
  const runs = points.map((point, index) => ({ index, point, command: substitute(command, point).command }));
  return { runs, unusedKeys: points.length ? substitute(command, points[0]!).unusedKeys : [] };
}

/** `--gpus 0,1`: one device per slot, as CUDA_VISIBLE_DEVICES names them (an index or a UUID). */
export function parseDevices(text: string): string[] {
  const devices = text.split(",").map((word) => word.trim());
  if (devices.some((device) => device === "" || /[\s=]/.test(device)))
    throw usageError(`--gpus expects devices separated by commas, got "${text}"`, "e.g. --gpus 0,1");
  const repeated = devices.find((device, index) => devices.indexOf(device) !== index);
  if (repeated !== undefined) throw usageError(`--gpus lists device ${repeated} twice`, "each slot gets its own device");
  return devices;
}

/** How many runs at once: -j, else one per device, else 1; with devices, never more slots than devices. */
export function slotCount(jobs: number | undefined, devices: string[] | null): number {
  if (devices && jobs !== undefined && jobs > devices.length) {
    throw usageError(`-j ${jobs} needs ${jobs} devices, --gpus gives ${devices.length}`, "each slot gets its own device: give more devices, or a smaller -j");
  }
  return jobs ?? devices?.length ?? 1;
}
