/** --help text: citty's usage of a command, then its examples. */
import { type ArgsDef, type CommandDef, renderUsage } from "citty";
import { colors, wantsColor } from "./colors";

const ROOT: CommandDef<ArgsDef> = { meta: { name: "exprag" } };

export async function renderHelp(definition: CommandDef<ArgsDef>, examples?: string, parent: CommandDef<ArgsDef> | undefined = ROOT): Promise<string> {
  const usage = await renderUsage(definition, parent);
  return `${plain(usage)}\n${examples ? `\n${examples}\n` : ""}`;
}

/** citty colours its usage text; keep colour for terminals that want it. */
export function plain(text: string): string {
  const trimmed = text.replace(/[ \t]+$/gm, "");
  return wantsColor(1) ? trimmed : Bun.stripANSI(trimmed);
}

/** What `exprag --help` says beyond the commands: the exit codes, the environment, the store. */
const EXIT_CODES: [string, string][] = [
  ["0", "success"],
  ["1", "a request that cannot be met: an unknown or ambiguous run, a refused checkout; exprag wait: a run ended without its condition"],
  ["2", "bad usage: an unknown command or option, a bad value, a bad project config"],
  ["123", "exprag run: a --stop-when rule ended the command"],
  ["124", "exprag run: --time-limit passed; exprag wait: --timeout passed"],
  ["125", "exprag's own failure (exprag run: the command was then never started)"],
  ["run", "exprag run ends with its command's code: 128+N when signal N ended it, 127 not found, 126 not executable"],
];

const ENVIRONMENT: [string, string][] = [
  ["EXPRAG_DIR", "the run store (--dir wins over it); exprag run sets it for its command"],
  ["EXPRAG_RUN_ID", "set by exprag run for its command: the run's id"],
  ["EXPRAG_FD", "set by exprag run for its command: a descriptor for records, one JSON value per line"],
  ["EXPRAG_FD_ID", "set by exprag run for its command: that pipe's device:inode, to tell it from a file on the same descriptor"],
  ["EXPRAG_HEARTBEAT_S", "how often, in seconds, a running exprag run shows it is alive"],
  ["NO_COLOR", "no colour (--color wins over it)"],
  ["FORCE_COLOR", "colour even when not at a terminal (not when 0 or false)"],
  ["COLUMNS", "the width tables and charts fit at a terminal (default: the terminal's width)"],
  ["TZ", "the time zone of the times shown at a terminal (piped and --json: UTC)"],
];

export interface RootHelp {
  version: string;
  commands: [name: string, description: string][];
  /** Where the store is for the current directory, or why that cannot be told. */
  store: string;
}

export function renderRootHelp({ version, commands, store }: RootHelp): string {
  const bold = wantsColor(1) ? colors().bold : (text: string) => text;
  const section = (title: string, rows: [string, string][]) => {
    const width = Math.max(...rows.map(([name]) => name.length));
    return [bold(title), ...rows.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`)].join("\n");
  };
  return `${[
    `exprag ${version}: experiment memory for coding agents`,
    [bold("USAGE"), "  exprag <command> [OPTIONS] [ARGUMENTS]", "  exprag help [command]", "  exprag --version (-V)"].join("\n"),
    `${section("COMMANDS", commands)}\n\n  'exprag help <command>' (or 'exprag <command> --help') shows a command's options and examples.`,
    section("EXIT CODES", EXIT_CODES),
    section("ENVIRONMENT", ENVIRONMENT),
    [
      bold("STORE"),
      "  --dir, else EXPRAG_DIR, else dir in the project config (.exprag.toml, or [tool.exprag] in",
      "  pyproject.toml, from here up to the top of the git work tree), else the nearest .exprag from",
      "  here up to that top, else .exprag at the top (outside a work tree: ./.exprag).",
      `  Here: ${store}`,
    ].join("\n"),
  ].join("\n\n")}\n`;
}
