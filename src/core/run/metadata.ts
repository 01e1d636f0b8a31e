/**
 * Run metadata from the command line: `--meta-file FILE.json` (an object), then each
 * `--meta KEY=VALUE` in order. Dotted keys nest (`hparams.lr=0.03`); VALUE is JSON when it parses
 * as JSON, else the plain string.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { errnoReason, UserError, usageError } from "../errors";
import { exceedsDepth, MAX_RECORD_DEPTH } from "../record/json-values";

export type Metadata = Record<string, unknown>;

export function buildMetadata(metaFile: string | undefined, assignments: string[]): Metadata {
  const metadata: Metadata = metaFile ? readMetaFile(metaFile) : {};
  for (const assignment of assignments) assignMeta(metadata, assignment);
  return metadata;
}

/** The most --meta-file may hold: its metadata goes into the run's first line, which every query reads. */
const MAX_META_FILE_BYTES = 16 * 1024 * 1024;
const TOO_DEEP = `nests deeper than ${MAX_RECORD_DEPTH} levels, as no record may`;

function readMetaFile(path: string): Metadata {
  const cannot = (why: string) => usageError(`cannot read --meta-file ${path} (${why})`);
  let fd: number;
  try {
    // Without waiting: a FIFO would wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw cannot(errnoReason(error));
  }
  let text: string;
  try {
    const stat = fstatSync(fd);
    // A regular file only: /dev/zero never ends.
    if (!stat.isFile()) throw cannot("not a regular file");
    if (stat.size > MAX_META_FILE_BYTES) throw usageError(`--meta-file ${path} holds ${stat.size} bytes; metadata may be at most 16 MiB`);
    text = readFileSync(fd, "utf8");
  } catch (error) {
    throw error instanceof UserError ? error : cannot(errnoReason(error));
  } finally {
    closeSync(fd);
  }
  if (exceedsDepth(text, MAX_RECORD_DEPTH)) throw usageError(`--meta-file ${path} ${TOO_DEEP}`);
  let value: unknown;
  try {
    value = JSON.parse(text, storedNumber);
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
  // The metadata object holds the key's objects, then the value.
  if (parts.length > MAX_RECORD_DEPTH || exceedsDepth(raw, MAX_RECORD_DEPTH - parts.length))
    throw usageError(`--meta ${key.length > 40 ? `${key.slice(0, 40)}...` : key} ${TOO_DEEP}`);
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
    return JSON.parse(raw, storedNumber);
  } catch {
    return raw;
  }
}

/** A number too large to be finite (`1e999`) kept as the string the store writes it as, not lost as JSON's null. */
function storedNumber(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? (value > 0 ? "Infinity" : "-Infinity") : value;
}

/** Sets an own property, even for keys such as `__proto__`. */
function defineOwn<T>(target: Metadata, key: string, value: T): T {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

function isPlainObject(value: unknown): value is Metadata {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
