/** Reading a config value of the type a key wants; a value of the wrong type is a usage error naming the file and the key. */
import { EXIT, UserError } from "../errors";
import { durationMs } from "../time";

export type Table = Record<string, unknown>;

export interface Where {
  file: string;
  /** The work tree the file is in (outside one: the file's folder). */
  top: string;
  /** How the key is written in messages: `log`, or `[tool.exprag] log`. */
  key: string;
}

export const isTable = (value: unknown): value is Table => typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);

export function wrongType(at: Where, expected: string, value: unknown): UserError {
  return new UserError(`${at.file}: ${at.key} must be ${expected}, got ${describe(value)}`, EXIT.usage);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `a list (${JSON.stringify(value)})`;
  if (isTable(value)) return "a table";
  return String(value);
}

export function text(value: unknown, at: Where): string {
  if (typeof value !== "string" || value === "" || value.includes("\0")) throw wrongType(at, "a non-empty string", value);
  return value;
}

export function flag(value: unknown, at: Where): boolean {
  if (typeof value !== "boolean") throw wrongType(at, "true or false", value);
  return value;
}

/** A duration as written ("10m"), or a number of seconds; one the run would refuse is refused as the config is read. */
export function duration(value: unknown, at: Where): string {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text === "string" && durationMs(text) !== null) return text;
  throw wrongType(at, 'a duration such as "90s", "10m", "2h", or a number of seconds', value);
}

/** A list of globs (or folders); `example` shows what one looks like. */
export function globs(value: unknown, at: Where, example: string): string[] {
  if (!Array.isArray(value) || !value.every((glob) => typeof glob === "string" && glob !== "" && !glob.includes("\0"))) throw wrongType(at, example, value);
  return value;
}
