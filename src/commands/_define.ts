/**
 * One way to define a command: its arguments are described in citty's shape (ArgsDef, from which
 * render/help.ts draws --help with citty's renderUsage); this parses them strictly (an unknown
 * option or a missing value is a usage error), handles --help, checks the positional arguments,
 * and hands `run` options typed from the definitions. consola (log.ts) prints our messages.
 */
import type { ArgsDef, CommandDef } from "citty";
import { loadProjectConfig, type ProjectConfig } from "../core/config";
import { EXIT, errnoReason, UserError, usageError } from "../core/errors";
import { isExplicitStore, storeNamed } from "../core/store";
import { resolveStoreDir } from "../core/store-location";
import { didYouMean } from "../core/suggest";
import { COLOR_CHOICES, type ColorChoice, setColorChoice } from "../render/colors";
import { LOG_LEVELS, log } from "../render/log";
import { printData } from "../render/output";
import { flagTable } from "./_flags";

type ArgValue<D> = D extends { type: "boolean"; default: boolean }
  ? boolean
  : D extends { type: "boolean" }
    ? boolean | undefined
    : D extends { type: "enum"; options: readonly (infer O)[] }
      ? O | undefined
      : D extends { type: "positional"; required: false }
        ? string | undefined
        : D extends { type: "positional" }
          ? string
          : string | undefined;

/** The parsed arguments: flags and positionals by name; repeatable flags and the variadic positional as lists. */
export type Args<A extends ArgsDef, Many extends keyof A> = { -readonly [K in keyof A]: K extends Many ? string[] : ArgValue<A[K]> };

export interface CommandContext<A extends ArgsDef, Many extends keyof A> {
  args: Args<A, Many>;
  /** Everything after `--` (or, with `stopAtFirstPositional`, from the first positional on). */
  rest: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The run store: --dir, else $EXPRAG_DIR, else the default; resolved when first asked for. */
  readonly store: string;
  /** The project config that applies here (null without one); read when first asked for. */
  readonly config: ProjectConfig | null;
  warn(message: string): void;
}

export interface ExpragCommand {
  name: string;
  definition: CommandDef<ArgsDef>;
  examples?: string;
  /** How the words are read, for shell completion: the variadic positional, and what a positional or `--` starts. */
  variadic?: string;
  stopAtFirstPositional?: boolean;
  afterDoubleDash: "positionals" | "rest";
  main(argv: string[]): Promise<number>;
}

export interface CommandSpec<A extends ArgsDef, R extends keyof A, V extends keyof A> {
  name: string;
  description: string;
  args: A;
  examples?: string;
  /** Flags that may be given several times. */
  repeatable?: readonly R[];
  /** The last positional, which takes every remaining positional argument. */
  variadic?: V;
  /** Options whose value may be left out, with the value they then take (`--last` is `--last 1`). */
  optionalValues?: Partial<Record<keyof A, string>>;
  /** Stop at the first positional: it and everything after belong to a command (`exprag run`). */
  stopAtFirstPositional?: boolean;
  /** What follows `--`: more positionals (the default, so `-x` can be named), or `rest` (paths for git, a command). */
  afterDoubleDash?: "positionals" | "rest";
  // biome-ignore lint/suspicious/noConfusingVoidType: a command that prints its answer returns nothing (exit 0)
  run(context: CommandContext<A, R | V>): Promise<number | void> | number | void;
}

/** Options every command takes; a command may describe quiet and verbose its own way, keeping their letters. */
const commonArgs = {
  quiet: { type: "boolean", alias: "q", description: "Say nothing on stderr but warnings and errors" },
  verbose: { type: "boolean", alias: "v", description: "Say more on stderr about what is done" },
  color: {
    type: "enum",
    options: [...COLOR_CHOICES],
    description: "Colour: auto (a terminal, unless NO_COLOR is set or TERM=dumb), always, never",
    valueHint: "WHEN",
  },
} as const satisfies ArgsDef;

export function defineExpragCommand<const A extends ArgsDef, const R extends keyof A = never, const V extends keyof A = never>(
  spec: CommandSpec<A, R, V>,
): ExpragCommand {
  const args = { ...commonArgs, ...spec.args, color: commonArgs.color } as A & typeof commonArgs;
  for (const name of ["quiet", "verbose"] as const) {
    const own = spec.args[name] as { description?: string } | undefined;
    (args as ArgsDef)[name] = { ...commonArgs[name], description: own?.description ?? commonArgs[name].description };
  }
  const definition: CommandDef<ArgsDef> = { meta: { name: spec.name, description: spec.description }, args };
  const afterDoubleDash = spec.afterDoubleDash ?? (spec.stopAtFirstPositional ? "rest" : "positionals");
  return {
    name: spec.name,
    definition,
    examples: spec.examples,
    variadic: spec.variadic as string | undefined,
    stopAtFirstPositional: spec.stopAtFirstPositional,
    afterDoubleDash,
    async main(argv) {
      const parsed = parseCommandLine(spec.name, argv, args, {
        stopAtFirstPositional: spec.stopAtFirstPositional,
        repeatable: [...(spec.repeatable ?? [])] as string[],
        variadic: spec.variadic as string | undefined,
        afterDoubleDash,
        optionalValues: (spec.optionalValues ?? {}) as Record<string, string>,
      });
      if (parsed !== "help" && parsed.args.color) setColorChoice(parsed.args.color as ColorChoice);
      if (parsed !== "help" && parsed.args.quiet) log.level = LOG_LEVELS.warn;
      else if (parsed !== "help" && parsed.args.verbose) log.level = LOG_LEVELS.debug;
      if (parsed === "help") {
        // Loaded only for --help: citty's usage and the node:util it imports cost every run start-up time.
        const { renderHelp } = await import("../render/help");
        printData(await renderHelp(definition, spec.examples));
        return 0;
      }
      const cwd = currentDirectory();
      let store: string | undefined;
      let config: ProjectConfig | null | undefined;
      const context: CommandContext<A, R | V> = {
        args: parsed.args as Args<A, R | V>,
        rest: parsed.rest,
        cwd,
        env: process.env,
        get store() {
          if (store === undefined) {
            store = resolveStoreDir(parsed.args.dir as string | undefined, process.env, cwd, () => context.config);
            if (isExplicitStore(parsed.args.dir as string | undefined, process.env)) storeNamed(store);
          }
          return store;
        },
        get config() {
          if (config === undefined) config = loadProjectConfig(cwd, process.env);
          return config;
        },
        warn: (message) => log.warn(message),
      };
      return (await spec.run(context)) ?? 0;
    },
  };
}

function currentDirectory(): string {
  try {
    return process.cwd();
  } catch (error) {
    throw new UserError(`the current directory is gone (${errnoReason(error)})`, EXIT.internal, "cd into an existing directory and try again");
  }
}

export interface ParsedCommandLine {
  args: Record<string, string | string[] | boolean | undefined>;
  rest: string[];
}

/**
 * Parses `argv` against citty argument definitions: `--name value`, `--name=value`, `-a`
 * aliases, `--no-name` for booleans, `--` ends the options (what follows is `rest`, or more
 * positionals). Positionals fill the positional definitions in order; "help" when --help or -h
 * was given.
 */
export function parseCommandLine(
  command: string,
  argv: string[],
  defs: ArgsDef,
  {
    stopAtFirstPositional = false,
    repeatable = [] as string[],
    variadic = undefined as string | undefined,
    afterDoubleDash = "rest" as "positionals" | "rest",
    optionalValues = {} as Record<string, string>,
  } = {},
): ParsedCommandLine | "help" {
  const args: ParsedCommandLine["args"] = {};
  const positionals: string[] = [];
  let rest: string[] = [];
  const byFlag = flagTable(defs);
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "boolean" && def.default !== undefined) args[name] = def.default;
    if (def.type !== "positional" && repeatable.includes(name)) args[name] = [];
  }
  const seeHelp = `see 'exprag ${command} --help'`;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      if (afterDoubleDash === "rest") rest = argv.slice(i + 1);
      else positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (stopAtFirstPositional) {
        rest = argv.slice(i);
        break;
      }
      positionals.push(arg);
      continue;
    }
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    const equals = arg.indexOf("=");
    const flag = equals > 0 ? arg.slice(0, equals) : arg;
    if (flag === "--help" || flag === "-h") throw usageError(`${flag} takes no value`, seeHelp);
    let name = byFlag.get(flag);
    let negated = false;
    if (!name && flag.startsWith("--no-")) {
      name = byFlag.get(`--${flag.slice(5)}`);
      negated = name !== undefined && defs[name]?.type === "boolean";
      if (!negated) name = undefined;
    }
    if (!name) throw usageError(`unknown option ${flag} for 'exprag ${command}'`, withSuggestion(flag, byFlag, seeHelp));
    const def = defs[name]!;
    if (def.type === "boolean") {
      if (equals > 0) throw usageError(`${flag} takes no value`, seeHelp);
      args[name] = !negated;
      continue;
    }
    let value: string | undefined;
    const optional = Object.hasOwn(optionalValues, name) ? optionalValues[name] : undefined;
    if (equals > 0) value = arg.slice(equals + 1);
    // An optional value is a count: a word that is not one (a run id has 8 digits or more) is not its value.
    else if (optional !== undefined && !/^\d{1,7}$/.test(argv[i + 1] ?? "")) value = optional;
    else if (i + 1 < argv.length && argv[i + 1] !== "--") value = argv[++i];
    if (value === undefined || value === "") throw usageError(`${flag} needs a value`, seeHelp);
    if (def.type === "enum" && def.options && !def.options.includes(value)) {
      throw usageError(`${flag} must be one of ${def.options.join(", ")}, got "${value}"`, seeHelp);
    }
    const previous = args[name];
    // A second, different value is refused rather than silently replacing the first (--status ok --status failed).
    if (typeof previous === "string" && previous !== value && !repeatable.includes(name)) {
      throw usageError(`--${name} was given twice ('${previous}', then '${value}'); it takes one value`, seeHelp);
    }
    args[name] = repeatable.includes(name) ? [...(Array.isArray(previous) ? previous : []), value] : value;
  }
  if (help) return "help";
  assignPositionals(command, defs, positionals, variadic, args, seeHelp);
  return { args, rest };
}

/** The hint for an unknown option: the long options it is closest to, then where to look. */
function withSuggestion(flag: string, byFlag: Map<string, string>, seeHelp: string): string {
  const long = [...byFlag.keys(), "--help"].filter((known) => known.startsWith("--"));
  const suggestion = didYouMean(
    flag.replace(/^-+/, ""),
    long.map((known) => known.slice(2)),
    (word) => `--${word}`,
  );
  return suggestion ? `${suggestion} (${seeHelp})` : seeHelp;
}

function assignPositionals(
  command: string,
  defs: ArgsDef,
  positionals: string[],
  variadic: string | undefined,
  args: ParsedCommandLine["args"],
  seeHelp: string,
): void {
  const names = Object.entries(defs).filter(([, def]) => def.type === "positional");
  let next = 0;
  for (const [name, def] of names) {
    if (name === variadic) {
      args[name] = positionals.slice(next);
      next = positionals.length;
      if (def.required !== false && (args[name] as string[]).length === 0) throw usageError(`exprag ${command} needs <${name}>`, seeHelp);
      continue;
    }
    const value = positionals[next++];
    if (value === undefined && def.required !== false) throw usageError(`exprag ${command} needs <${name}>`, seeHelp);
    args[name] = value;
  }
  if (next < positionals.length) throw usageError(`unexpected argument '${positionals[next]}' for 'exprag ${command}'`, seeHelp);
}
