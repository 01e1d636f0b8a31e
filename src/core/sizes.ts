import { usageError } from "./errors";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A size such as `10M`, `500KiB`, `1.5G` or `1048576`, in bytes (units are powers of 1024). */
export function parseSize(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw usageError(`${option} expects a size such as 10M, 500K or 1048576, got "${text}"`);
  return Math.floor(Number(match[1]) * unit);
}
