/**
 * Entry point: dispatches to a subcommand, loaded only when asked for, and is the only place that
 * turns failures into exit codes. `exprag run` keeps everything after its command for the
 * command, `--help` included.
 */
import type { ExpragCommand } from "./commands/_define";
import { EXIT, isErrno, UserError, usageError } from "./core/errors";
import { writeFully } from "./core/os/io";
import { resolveStoreDir } from "./core/store-location";
import { didYouMean } from "./core/suggest";
import { visible } from "./render/escape";
import { log } from "./render/log";
import { printData } from "./render/output";
import { BUILD_COMMIT, VERSION } from "./version";

const commands: Record<string, () => Promise<{ default: ExpragCommand }>> = {
  run: () => import("./commands/run"),
  sweep: () => import("./commands/sweep"),
  rerun: () => import("./commands/rerun"),
  ls: () => import("./commands/ls"),
  show: () => import("./commands/show"),
  paths: () => import("./commands/paths"),
  values: () => import("./commands/values"),
  best: () => import("./commands/best"),
  compare: () => import("./commands/compare"),
  outputs: () => import("./commands/outputs"),
  verdict: () => import("./commands/verdict"),
  brief: () => import("./commands/brief"),
  tree: () => import("./commands/tree"),
  log: () => import("./commands/log"),
  wait: () => import("./commands/wait"),
  "check-rules": () => import("./commands/check-rules"),
  tag: () => import("./commands/tag"),
  note: () => import("./commands/note"),
  keep: () => import("./commands/keep"),
  discard: () => import("./commands/discard"),
  rm: () => import("./commands/rm"),
  checkout: () => import("./commands/checkout"),
  diff: () => import("./commands/diff"),
  cat: () => import("./commands/cat"),
  files: () => import("./commands/files"),
  gc: () => import("./commands/gc"),
  push: () => import("./commands/push"),
  pull: () => import("./commands/pull"),
  skill: () => import("./commands/skill"),
  plot: () => import("./commands/plot"),
  mcp: () => import("./commands/mcp"),
  completion: () => import("./commands/completion"),
};

/** `exprag help [command]`: handled here, since it needs every command. */
const HELP: [string, string] = ["help", "Show this help, or the options and examples of one command"];

async function rootHelp(): Promise<string> {
  const described = await Promise.all(
    Object.entries(commands).map(async ([name, load]): Promise<[string, string]> => {
      const meta = (await load()).default.definition.meta as { description?: string } | undefined;
      return [name, meta?.description ?? ""];
    }),
  );
  let store: string;
  try {
    store = visible(resolveStoreDir(undefined, process.env, process.cwd()));
  } catch (error) {
    store = `cannot be told (${visible(error instanceof Error ? error.message : String(error))})`;
  }
  // Loaded only for help: citty's usage and the node:util it imports cost every other command start-up time.
  const { renderRootHelp } = await import("./render/help");
  return renderRootHelp({ version: VERSION, commands: [...described, HELP], store });
}

function unknownCommand(word: string): UserError {
  const names = [...Object.keys(commands), HELP[0]];
  if (word.startsWith("-")) return usageError(`unknown option ${word}`, "options come after the command: exprag <command> [OPTIONS]; see 'exprag --help'");
  return usageError(`unknown command '${word}'`, `${didYouMean(word, names) ?? `commands: ${names.join(", ")};`} see 'exprag --help'`);
}

/** Options every command takes, which may also come before the command: `exprag -v ls` is `exprag ls -v`. */
const EVERY_COMMAND_OPTIONS = new Set(["-q", "--quiet", "-v", "--verbose"]);

async function main(argv: string[]): Promise<number> {
  const leading = argv.findIndex((word) => !EVERY_COMMAND_OPTIONS.has(word));
  if (leading > 0) argv = [argv[leading]!, ...argv.slice(0, leading), ...argv.slice(leading + 1)];
  // Only options every command takes (`exprag -v`): no command, as with nothing at all.
  if (leading < 0) argv = [];
  const [first, ...rest] = argv;
  if (first === "__exec") return (await import("./core/run/trampoline")).execWithIgnoredSignals(rest);
  if (first === "__slurm-task") {
    // A Slurm array task: its line of the tasks file is an `exprag run`, with its variables.
    const task = (await import("./core/slurm/job-script")).readTask(rest);
    Object.assign(process.env, task.variables);
    return main(["run", ...task.runArguments]);
  }
  if (first === "__experiment") return (await import("./core/run/experiment-session")).recordExperiment(process.env, (message) => log.warn(message));
  if (first === "--version" || first === "-V") {
    printData(`${VERSION}${BUILD_COMMIT ? ` (${BUILD_COMMIT})` : ""}\n`);
    return 0;
  }
  if (first === "__complete") return (await import("./commands/_complete")).complete(rest, commands);
  if (first === undefined || first === "--help" || first === "-h" || (first === "help" && ["--help", "-h", "help", undefined].includes(rest[0]))) {
    const usage = await rootHelp();
    if (first !== undefined) {
      printData(usage);
      return 0;
    }
    log.error("no command given");
    writeFully(2, Buffer.from(usage));
    return EXIT.usage;
  }
  if (first === "help") {
    if (rest.length > 1) throw usageError(`exprag help takes one command, got ${rest.length}`, "e.g. exprag help ls");
    const load = Object.hasOwn(commands, rest[0]!) ? commands[rest[0]!] : undefined;
    if (!load) throw unknownCommand(rest[0]!);
    return (await load()).default.main(["--help"]);
  }
  const load = Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (!load) throw unknownCommand(first);
  if (first !== "run") return (await load()).default.main(rest);
  // A run's snapshot reads git status, its longest step: main.ts starts it where `run` comes first,
  // else it starts now; either way it runs while the run's code loads.
  const early = await import("./core/git/early-status");
  early.startEarlyStatus(rest, process.env);
  try {
    return await (await load()).default.main(rest);
  } finally {
    early.endEarlyStatus();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UserError) {
      log.error(error.hint ? `${error.message}; ${error.hint}` : error.message);
      process.exitCode = error.exitCode;
    } else if (error instanceof Error && isErrno(error, "EPIPE")) {
      // The reader of our output went away (`exprag log -f latest | head`): end as a killed writer would, quietly.
      process.exitCode = 128 + 13;
    } else {
      log.error(error);
      process.exitCode = EXIT.internal;
    }
  },
);
