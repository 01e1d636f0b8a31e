/**
 * Option parsing shared by the commands. citty describes the options (and renders --help);
 * this parser applies them strictly: an unknown option or a missing value is a usage error,
 * and `run` stops at the first word of the command, which keeps everything after it.
 */
import type { ArgsDef } from "citty";
import { usageError } from "../core/errors";

export interface ParsedCommandLine {
  options: Record<string, string | string[] | boolean | undefined>;
  positionals: string[];
  /** Everything after `--`, or after the first positional when stopping there. */
  rest: string[];
  help: boolean;
}

export const storeArgs = {
  dir: { type: "string", description: "Run store (default: $EXPRAG_DIR, else .exprag at the top of the git work tree, else ./.exprag)", valueHint: "DIR" },
} as const satisfies ArgsDef;

/** Lists: newest first, `--limit N` (default 20) or `--all`, and `--json`. */
export const DEFAULT_LIMIT = 20;
export const listOptions = {
  limit: { type: "string", description: `Show at most N (default ${DEFAULT_LIMIT})`, valueHint: "N" },
  all: { type: "boolean", description: "Show all" },
  json: { type: "boolean", description: "Compact JSON for programs" },
} as const satisfies ArgsDef;

export function parseLimit(options: ParsedCommandLine["options"]): number {
  if (options.all) return Number.POSITIVE_INFINITY;
  const text = options.limit as string | undefined;
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit must be a positive whole number, got "${text}"`);
  return limit;
}

export function parseCommandLine(
  command: string,
  argv: string[],
  defs: ArgsDef,
  { stopAtFirstPositional = false, repeatable = [] as string[] } = {},
): ParsedCommandLine {
  const parsed: ParsedCommandLine = { options: {}, positionals: [], rest: [], help: false };
  const byFlag = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    byFlag.set(`--${name}`, name);
    const aliases = "alias" in def && def.alias ? [def.alias].flat() : [];
    for (const alias of aliases) byFlag.set(alias.length === 1 ? `-${alias}` : `--${alias}`, name);
  }
  const seeHelp = `see 'exprag ${command} --help'`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      parsed.rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (stopAtFirstPositional) {
        parsed.rest = argv.slice(i);
        break;
      }
      parsed.positionals.push(arg);
      continue;
    }
    if (arg === "--help" || arg === "-h") {
      parsed.help = true;
      continue;
    }
    const equals = arg.indexOf("=");
    const flag = equals > 0 ? arg.slice(0, equals) : arg;
    let name = byFlag.get(flag);
    let negated = false;
    if (!name && flag.startsWith("--no-")) {
      name = byFlag.get(`--${flag.slice(5)}`);
      negated = name !== undefined && defs[name]?.type === "boolean";
      if (!negated) name = undefined;
    }
    if (!name) throw usageError(`unknown option ${flag} for 'exprag ${command}'`, seeHelp);
    const def = defs[name]!;
    if (def.type === "boolean") {
      if (equals > 0) throw usageError(`${flag} takes no value`, seeHelp);
      parsed.options[name] = !negated;
      continue;
    }
    let value: string | undefined;
    if (equals > 0) value = arg.slice(equals + 1);
    else if (i + 1 < argv.length && argv[i + 1] !== "--") value = argv[++i];
    if (value === undefined || value === "") throw usageError(`${flag} needs a value`, seeHelp);
    if (def.type === "enum" && def.options && !def.options.includes(value)) {
      throw usageError(`${flag} must be one of ${def.options.join(", ")}, got "${value}"`);
    }
    if (repeatable.includes(name)) {
      const previous = parsed.options[name];
      parsed.options[name] = [...(Array.isArray(previous) ? previous : []), value];
    } else {
      parsed.options[name] = value;
    }
  }
  return parsed;
}
