/**
 * Run metadata from the command line: `--meta-file FILE.json` (an object), then each
 * `--meta KEY=VALUE` in order. Dotted keys nest (`hparams.lr=0.03`); VALUE is JSON when it parses
 * as JSON, else the plain string.
 */
import { readFileSync } from "node:fs";
import { errnoReason, usageError } from "../errors";

export type Metadata = Record<string, unknown>;

export function buildMetadata(metaFile: string | undefined, assignments: string[]): Metadata {
  const metadata: Metadata = metaFile ? readMetaFile(metaFile) : {};
  for (const assignment of assignments) assignMeta(metadata, assignment);
  return metadata;
}

function readMetaFile(path: string): Metadata {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw usageError(`cannot read --meta-file ${path} (${errnoReason(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`--meta-file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(value)) throw usageError(`--meta-file ${path} must hold a JSON object`);
  return value;
}

export function assignMeta(metadata: Metadata, assignment: string): void {
  const equals = assignment.indexOf("=");
  const key = equals < 0 ? "" : assignment.slice(0, equals);
  const parts = key.split(".");
  if (equals < 0 || parts.some((part) => part === "")) {
    throw usageError(`--meta expects KEY=VALUE, got "${assignment}"`, "e.g. --meta hparams.lr=0.03");
  }
  const raw = assignment.slice(equals + 1);
  let target = metadata;
  for (const part of parts.slice(0, -1)) {
    const next = Object.hasOwn(target, part) ? target[part] : undefined;
    if (next !== undefined && !isPlainObject(next)) {
      throw usageError(`--meta ${key}: "${part}" already holds a value that is not an object`);
    }
    target = next ?? defineOwn(target, part, {});
  }
  defineOwn(target, parts.at(-1)!, parseValue(raw));
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Sets an own property, even for keys such as `__proto__`. */
function defineOwn<T>(target: Metadata, key: string, value: T): T {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

function isPlainObject(value: unknown): value is Metadata {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
