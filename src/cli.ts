/**
 * Entry point: dispatches to a subcommand, loaded only when asked for, and is the only place that
 * turns failures into exit codes. `exprag run` keeps everything after its command for the
 * command, `--help` included.
 */
import { type ArgsDef, type CommandDef, renderUsage } from "citty";
import type { ExpragCommand } from "./commands/_define";
import { EXIT, UserError } from "./core/errors";
import { writeFully } from "./core/os/io";
import { log } from "./log";
import { plain } from "./render/help";
import { printData } from "./render/output";
import { BUILD_COMMIT, VERSION } from "./version";

const commands: Record<string, () => Promise<{ default: ExpragCommand }>> = {
  run: () => import("./commands/run"),
  ls: () => import("./commands/ls"),
  show: () => import("./commands/show"),
  paths: () => import("./commands/paths"),
  values: () => import("./commands/values"),
  best: () => import("./commands/best"),
  compare: () => import("./commands/compare"),
  log: () => import("./commands/log"),
  tag: () => import("./commands/tag"),
  note: () => import("./commands/note"),
  rm: () => import("./commands/rm"),
  checkout: () => import("./commands/checkout"),
  diff: () => import("./commands/diff"),
  gc: () => import("./commands/gc"),
  push: () => import("./commands/push"),
  pull: () => import("./commands/pull"),
  skill: () => import("./commands/skill"),
};

const root: CommandDef<ArgsDef> = {
  meta: { name: "exprag", version: VERSION, description: "Experiment memory for coding agents" },
  subCommands: Object.fromEntries(Object.entries(commands).map(([name, load]) => [name, async () => (await load()).default.definition])),
};

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "__exec") return (await import("./core/run/trampoline")).execWithIgnoredSignals(rest);
  if (first === "--version" || first === "-v") {
    printData(`${VERSION}${BUILD_COMMIT ? ` (${BUILD_COMMIT})` : ""}\n`);
    return 0;
  }
  if (first === undefined || first === "--help" || first === "-h") {
    const usage = plain(await renderUsage(root));
    if (first !== undefined) {
      printData(`${usage}\n`);
      return 0;
    }
    log.error("no command given");
    writeFully(2, Buffer.from(`${usage}\n`));
    return EXIT.usage;
  }
  const load = commands[first];
  if (!load) throw new UserError(`unknown command '${first}'`, EXIT.usage, `commands: ${Object.keys(commands).join(", ")}; see 'exprag --help'`);
  return (await load()).default.main(rest);
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
