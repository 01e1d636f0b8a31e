import { writeSync } from "node:fs";
import { createConsola, type LogObject } from "consola/core";
import { colors, wantsColor } from "./render/colors";

// consola's core entry: its default entry builds a fancy reporter at import, which costs more
// start-up time than `exprag run` may add to the command it wraps.

const formatArg = (arg: unknown, color: boolean) =>
  typeof arg === "string" ? arg : arg instanceof Error ? (arg.stack ?? arg.message) : Bun.inspect(arg, { colors: color });

function prefix(type: string, color: boolean): string {
  const label = type === "error" || type === "fatal" ? "error: " : type === "warn" ? "warning: " : "";
  if (!color) return `exprag: ${label}`;
  const c = colors();
  return `${c.dim("exprag:")} ${label && (type === "warn" ? c.yellow(label) : c.red(label))}`;
}

/**
 * exprag's own messages: one line each, "exprag: ...", on stderr, written synchronously so they
 * never mix with the data on stdout and are never lost when the process ends.
 */
function writeToStderr(entry: LogObject): void {
  const color = wantsColor(2);
  const text = entry.args.map((arg) => formatArg(arg, color)).join(" ");
  try {
    writeSync(2, `${prefix(entry.type, color)}${text}\n`);
  } catch {
    // stderr is gone: nowhere left to say anything
  }
}

export const log = createConsola({ reporters: [{ log: writeToStderr }] });
