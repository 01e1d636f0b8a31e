/**
 * The machine's GPUs, as `nvidia-smi` describes them (model, memory, driver, CUDA version), asked
 * with a short timeout: a missing tool is no GPU, a failing or hanging one is an error to record.
 */
import { basename } from "node:path";
import { errnoReason } from "../errors";
import type { GpuInfo } from "../record/schema";

export const NVIDIA_SMI = "nvidia-smi";
const MIB = 1024 * 1024;

/** What a tool printed, or why it did not answer. */
export type ToolAnswer = { ok: true; stdout: string } | { ok: false; error: string };

/**
 * Starts a tool in a process group of its own: a wrapper script's children (`nvidia-smi "$@" |
 * grep -v ...`) hold its pipes too, and must end with it (endTool).
 */
export function startTool(argv: string[], env: NodeJS.ProcessEnv): Bun.Subprocess<"ignore", "pipe", "pipe"> {
  return Bun.spawn(argv, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: process.platform !== "win32" });
}

/** Kills a tool startTool started, with whatever it started. */
export function endTool(child: Bun.Subprocess): void {
  try {
    if (process.platform === "win32") child.kill("SIGKILL");
    else process.kill(-child.pid, "SIGKILL");
  } catch {
    // all of it ended already
  }
}

/**
 * Runs a short query and waits at most `timeoutMs` for its whole output; past that the tool is
 * killed (its process group) and the answer is an error. Never throws.
 */
export async function askTool(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolAnswer> {
  const name = basename(argv[0]!);
  let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = startTool(argv, env);
  } catch (error) {
    return { ok: false, error: `${name} could not start (${errnoReason(error)})` };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const answer = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const settled = await Promise.race([answer, timeout]);
  clearTimeout(timer);
  if (settled === "timeout") {
    endTool(child);
    return { ok: false, error: `${name} did not answer within ${timeoutMs / 1000} s` };
  }
  const [stdout, stderr, code] = settled;
  if (code !== 0) {
    const reason = stderr.trim().split("\n")[0] || stdout.trim().split("\n")[0] || "";
    return { ok: false, error: `${name} failed (exit ${code})${reason ? `: ${reason.slice(0, 200)}` : ""}` };
  }
  return { ok: true, stdout };
}

/** The GPUs `nvidia-smi` (found at `tool`) lists; an error when it fails or hangs. */
export async function readGpus(tool: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ gpus: GpuInfo[] } | { error: string }> {
  const [list, header] = await Promise.all([
    askTool([tool, "--query-gpu=index,name,memory.total,driver_version", "--format=csv,noheader,nounits"], env, timeoutMs),
    askTool([tool], env, timeoutMs),
  ]);
  if (!list.ok) return { error: list.error };
  const cuda = header.ok ? (/CUDA Version:\s*([\d.]+)/.exec(header.stdout)?.[1] ?? null) : null;
  return { gpus: parseGpuList(list.stdout, cuda) };
}

/** `0, NVIDIA A100-SXM4-80GB, 81920, 535.104.05` lines; lines that do not read so are left out. */
export function parseGpuList(text: string, cuda: string | null): GpuInfo[] {
  return text.split("\n").flatMap((line) => {
    const fields = line.split(",").map((field) => field.trim());
    const index = Number(fields[0]);
    if (fields.length < 4 || fields[0] === "" || !Number.isInteger(index) || !fields[1]) return [];
    const memory = Number(fields[2]);
    return [{ index, name: fields[1], memory_total_bytes: Number.isFinite(memory) ? memory * MIB : null, driver: fields[3] || null, cuda }];
  });
}

export const ROCM_SMI = "rocm-smi";

/** The GPUs `rocm-smi` (found at `tool`) lists, from its JSON; an error when it fails, hangs or says nothing readable. */
export async function readRocmGpus(tool: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ gpus: GpuInfo[] } | { error: string }> {
  const answer = await askTool([tool, "--showproductname", "--showmeminfo", "vram", "--showdriverversion", "--json"], env, timeoutMs);
  if (!answer.ok) return { error: answer.error };
  try {
    return { gpus: parseRocmList(JSON.parse(answer.stdout)) };
  } catch {
    return { error: "rocm-smi printed no JSON" };
  }
}

/** `{"card0": {"Card series": ..., "VRAM Total Memory (B)": ...}, "system": {"Driver version": ...}}`. */
export function parseRocmList(value: unknown): GpuInfo[] {
  const cards = value !== null && typeof value === "object" ? (value as Record<string, Record<string, unknown>>) : {};
  const text = (field: unknown) => (typeof field === "string" && field.trim() ? field.trim() : null);
  const driver = text(cards.system?.["Driver version"]);
  return Object.entries(cards).flatMap(([key, card]) => {
    const index = /^card(\d+)$/.exec(key)?.[1];
    if (index === undefined || card === null || typeof card !== "object") return [];
    const name = text(card["Card series"]) ?? text(card["Card SKU"]) ?? text(card["Card model"]);
    const memory = Number(card["VRAM Total Memory (B)"]);
    return name ? [{ index: Number(index), name, memory_total_bytes: Number.isFinite(memory) ? memory : null, driver, cuda: null }] : [];
  });
}
