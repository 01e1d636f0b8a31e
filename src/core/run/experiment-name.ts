import { basename } from "node:path";
import { withoutVersion } from "./script-arguments";

/** Programs that run a script named by their first argument, as named or with a version and `.exe` after (`python3.11`, `node.exe`). */
const INTERPRETERS = new Set(["python", "pypy", "node", "bun", "deno", "Rscript", "julia", "ruby", "perl", "php", "bash", "sh", "zsh", "dash", "lua"]);
/** Launchers whose `run` subcommand runs the rest: `uv run python train.py`. */
const LAUNCHERS = new Set(["uv", "poetry", "pipenv", "pixi", "pdm", "hatch", "conda"]);

/** The default experiment name: the script a command runs (`train.py`), else the program's name. */
export function experimentNameFor(command: string[]): string {
  const [program = "", ...args] = command;
  const name = basename(program);
  if (LAUNCHERS.has(name) && args[0] === "run" && args.length > 1) return experimentNameFor(args.slice(1));
  if (!INTERPRETERS.has(withoutVersion(name))) return name;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-m" && args[i + 1]) return args[i + 1]!;
    if (arg === "-c" || arg === "-e") return name;
    // A script whose name says nothing (`sh /`, `python ""`): the program's name instead.
    if (!arg.startsWith("-")) return basename(arg).trim() || name;
  }
  return name;
}
