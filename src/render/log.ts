import { writeSync } from "node:fs";
import type { ConsolaInstance, LogObject } from "consola/core";
import { stderrTakes } from "../core/os/stderr-gate";
import { colors, wantsColor } from "./colors";
import { visible } from "./escape";
import { clearProgress } from "./progress";

// What consola still does for us: the named methods (log.info, log.warn, log.debug...) and the
// level that --quiet and --verbose set; how a message looks and where it goes is our reporter's.
// Its core entry: the default entry builds a fancy reporter at import, which costs more
// start-up time than `exprag run` may add to the command it wraps.

/** A message's parts: untrusted text inside it is escaped, so a message stays one plain line. */
const formatArg = (arg: unknown) => {
  if (typeof arg === "string") return visible(arg);
  if (arg instanceof Error) return (arg.stack ?? arg.message).split("\n").map(visible).join("\n");
  return visible(Bun.inspect(arg));
};

function prefix(type: string, color: boolean): string {
  const label = type === "error" || type === "fatal" ? "error: " : type === "warn" ? "warning: " : "";
  if (!color) return `exprag: ${label}`;
  const c = colors(2);
  return `${c.dim("exprag:")} ${label && (type === "warn" ? c.yellow(label) : c.red(label))}`;
}

/**
 * exprag's own messages: one line each, "exprag: ...", on stderr, written synchronously so they
 * never mix with the data on stdout and are never lost when the process ends.
 */
function writeToStderr(entry: LogObject): void {
  const color = wantsColor(2);
  const text = entry.args.map(formatArg).join(" ");
  const line = `${prefix(entry.type, color)}${text}\n`;
  if (!stderrTakes(Buffer.byteLength(line))) return;
  clearProgress();
  try {
    writeSync(2, line);
  } catch {
    // stderr is gone: nowhere left to say anything
  }
}

let made: ConsolaInstance | null = null;
/** The level --quiet or --verbose asked for before consola was made. */
let level: number | undefined;

function consola(): ConsolaInstance {
  if (made) return made;
  const { createConsola } = require("consola/core") as typeof import("consola/core");
  made = createConsola({ reporters: [{ log: writeToStderr }], ...(level !== undefined && { level }) });
  return made;
}

/**
 * consola, made at the first message: a command that says nothing (a --quiet run, a query
 * answered on stdout) never loads or builds it, about 0.6 ms of its start-up.
 */
export const log = new Proxy({} as ConsolaInstance, {
  get(_, key) {
    const instance = consola();
    const value = Reflect.get(instance, key);
    return typeof value === "function" ? value.bind(instance) : value;
  },
  set(_, key, value) {
    if (key === "level" && made === null) level = value;
    else Reflect.set(consola(), key, value);
    return true;
  },
});

/** consola's levels: warn keeps warnings and errors, debug lets everything through. */
export const LOG_LEVELS = { warn: 1, info: 3, debug: 4 } as const;
