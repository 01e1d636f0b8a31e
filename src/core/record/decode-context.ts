/** The decoders of what a run ran with and left: run_end's system peaks, the environment, the outputs, a system sample's value. */
import { asFiniteNumber, asObject, asString, asStrings, isObject } from "./json-values";
import type { EnvironmentValue, GpuInfo, OutputFile, OutputsValue, PythonEnvironment, SystemPeaks } from "./schema";

export function decodeSystemPeaks(value: unknown): SystemPeaks | null {
  if (!isObject(value)) return null;
  const gpus = Object.entries(asObject(value.gpus)).flatMap(([name, raw]) => {
    const gpu = asObject(raw);
    const memory = asFiniteNumber(gpu.peak_memory_used);
    const use = asFiniteNumber(gpu.mean_utilization);
    return /^gpu\d+$/.test(name) && memory !== null && use !== null ? [[name, { peak_memory_used: memory, mean_utilization: use }] as const] : [];
  });
  const gpuError = asString(value.gpu_error);
  return {
    samples: asFiniteNumber(value.samples) ?? 0,
    peak_rss_bytes: asFiniteNumber(value.peak_rss_bytes) ?? 0,
    peak_cpu_percent: asFiniteNumber(value.peak_cpu_percent) ?? 0,
    ...(gpus.length > 0 && { gpus: Object.fromEntries(gpus) }),
    ...(gpuError !== null && { gpu_error: gpuError }),
  };
}

/** An `environment` record's value, or run_start's `environment`; parts that are missing or mistyped are left out. */
export function decodeEnvironment(raw: unknown): EnvironmentValue {
  const value = asObject(raw);
  const python = asObject(value.python);
  const executable = asString(python.executable);
  const prefix = asString(python.prefix);
  const kind = asString(python.kind);
  const gpus = Array.isArray(value.gpus) ? value.gpus.flatMap(decodeGpu) : [];
  const errors = asStrings(value.errors);
  // Decoded for every run a listing reads, most of them without any of it: nothing is built for what is absent.
  const environment: EnvironmentValue = {};
  if (executable !== null && prefix !== null) {
    const packages = Object.entries(asObject(python.packages)).filter((entry): entry is [string, string] => typeof entry[1] === "string");
    environment.python = {
      version: asString(python.version),
      executable,
      prefix,
      kind: kind === "virtualenv" || kind === "conda" ? kind : "system",
      packages: Object.fromEntries(packages),
    } satisfies PythonEnvironment;
  }
  if (gpus.length > 0) environment.gpus = gpus;
  if (errors?.length) environment.errors = errors;
  return environment;
}

function decodeGpu(value: unknown): GpuInfo[] {
  const gpu = asObject(value);
  const index = asFiniteNumber(gpu.index);
  const name = asString(gpu.name);
  if (index === null || name === null) return [];
  return [{ index, name, memory_total_bytes: asFiniteNumber(gpu.memory_total_bytes), driver: asString(gpu.driver), cuda: asString(gpu.cuda) }];
}

/** An `outputs` record's value; files without a path are left out. */
export function decodeOutputs(raw: unknown): OutputsValue {
  const value = asObject(raw);
  const files = Array.isArray(value.files) ? value.files.flatMap(decodeOutputFile) : [];
  const more = asFiniteNumber(value.more);
  const globs = asStrings(value.globs);
  const incomplete = asString(value.incomplete);
  return { root: asString(value.root) ?? "", files, ...(more !== null && more > 0 && { more }), ...(globs && { globs }), ...(incomplete && { incomplete }) };
}

function decodeOutputFile(value: unknown): OutputFile[] {
  const file = asObject(value);
  const path = asString(file.path);
  if (path === null) return [];
  return [
    {
      path,
      size: asFiniteNumber(file.size) ?? 0,
      mtime_ms: asFiniteNumber(file.mtime_ms) ?? 0,
      hash: asString(file.hash) ?? "",
      ...(file.kept === true && { kept: true }),
    },
  ];
}

/**
 * The value a record holds for `values`, `plot`, `best` and `--where`: a track record's value, a
 * `system` sample under `system` (so its paths read `system.rss_bytes`, `system.gpu0.memory_used`);
 * undefined for every other kind.
 */
export function trackedValue(kind: string, value: unknown): unknown {
  if (kind === "track") return value;
  return kind === "system" ? { system: value } : undefined;
}
