import { createConsola, type LogObject } from "consola";
import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import { formatWithOptions } from "node:util";
import pc from "picocolors";

const color = isatty(2) && !process.env.NO_COLOR;

const labels: Record<string, string> = {
  error: color ? pc.red("error: ") : "error: ",
  fatal: color ? pc.red("error: ") : "error: ",
  warn: color ? pc.yellow("warning: ") : "warning: ",
};

/**
 * exprag's own messages: one line each, "exprag: ...", on stderr, written synchronously so they
 * never mix with the data on stdout and are never lost when the process ends.
 */
function writeToStderr(entry: LogObject): void {
  const text = formatWithOptions({ colors: color }, ...entry.args);
  try {
    writeSync(2, `${color ? pc.dim("exprag:") : "exprag:"} ${labels[entry.type] ?? ""}${text}\n`);
  } catch {
    // stderr is gone: nowhere left to say anything
  }
}

export const log = createConsola({ reporters: [{ log: writeToStderr }] });
