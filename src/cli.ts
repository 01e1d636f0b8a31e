/**
 * Entry point: dispatches to a subcommand, and is the only place that turns failures into exit
 * codes. `exprag run` keeps everything after its command for the command, `--help` included.
 */
import { type CommandDef, renderUsage } from "citty";
import { EXIT, UserError } from "./core/errors";
import { execIgnoring } from "./core/os/posix";
import { RUNTIME_IGNORED_SIGNALS } from "./core/run/runner";
import { log } from "./log";
import { BUILD_COMMIT, VERSION } from "./version";
import type { ExpragCommand } from "./commands/types";
import { writeFully } from "./core/os/io";
import { wantsColor } from "./render/colors";
import { printData } from "./render/table";
import os from "node:os";

const commands: Record<string, () => Promise<{ default: ExpragCommand }>> = {
  run: () => import("./commands/run"),
  ls: () => import("./commands/ls"),
  show: () => import("./commands/show"),
  paths: () => import("./commands/paths"),
  values: () => import("./commands/values"),
  best: () => import("./commands/best"),
  compare: () => import("./commands/compare"),
  log: () => import("./commands/log"),
  rm: () => import("./commands/rm"),
  checkout: () => import("./commands/checkout"),
  diff: () => import("./commands/diff"),
  gc: () => import("./commands/gc"),
  skill: () => import("./commands/skill"),
};

const root: CommandDef = {
  meta: { name: "exprag", version: VERSION, description: "Experiment memory for coding agents" },
  subCommands: Object.fromEntries(Object.entries(commands).map(([name, load]) => [name, async () => (await load()).default.definition])),
};

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "__exec") return execWithIgnoredSignals(rest);
  if (first === "--version" || first === "-v") {
    printData(`${VERSION}${BUILD_COMMIT ? ` (${BUILD_COMMIT})` : ""}\n`);
    return 0;
  }
  if (first === undefined || first === "--help" || first === "-h") {
    const usage = await renderUsage(root);
    if (first === undefined) {
      log.error("no command given");
      writeFully(2, Buffer.from(`${plain(usage)}\n`));
      return EXIT.usage;
    }
    printData(`${plain(usage)}\n`);
    return 0;
  }
  const load = commands[first];
  if (!load) throw new UserError(`unknown command '${first}'`, EXIT.usage, `commands: ${Object.keys(commands).join(", ")}; see 'exprag --help'`);
  const command = (await load()).default;
  const code = await command.main(rest);
  if (code >= 0) return code;
  // -1: the command asked for its help
  const usage = await renderUsage(command.definition, root);
  printData(`${plain(usage)}\n${command.examples ? `\n${command.examples}\n` : ""}`);
  return 0;
}

/** `exprag __exec SIGNALS -- PROGRAM [ARGS]`: internal; execs PROGRAM with SIGNALS ignored. */
function execWithIgnoredSignals(argv: string[]): number {
  const [signals = "", separator, ...command] = argv;
  if (separator !== "--" || command.length === 0) throw new UserError("internal __exec needs SIGNALS -- PROGRAM", EXIT.usage);
  const number = (name: string) => os.constants.signals[name as NodeJS.Signals];
  execIgnoring(command, signals.split(",").filter(Boolean).map(number), RUNTIME_IGNORED_SIGNALS.map(number));
  throw new UserError(`cannot run ${command[0]}`, EXIT.notExecutable);
}

/** citty colours its usage text; keep colour for terminals that want it. */
function plain(text: string): string {
  const trimmed = text.replace(/[ \t]+$/gm, "");
  return wantsColor(1) ? trimmed : Bun.stripANSI(trimmed);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UserError) {
      log.error(error.hint ? `${error.message}; ${error.hint}` : error.message);
      process.exitCode = error.exitCode;
    } else {
      log.error(error);
      process.exitCode = EXIT.internal;
    }
  },
);
