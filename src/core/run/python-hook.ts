/**
 * The parameter hook for Python commands: `exprag run` puts a folder holding exprag's
 * `sitecustomize.py` (python/hook/) first on the command's PYTHONPATH, so the values argparse,
 * click or typer parsed, defaults included, reach the run as `params` records. The folder lives
 * in the user's cache, one per version of the hook, written once.
 */
import { delimiter } from "node:path";
import { programName } from "./script-arguments";

const PYTHONS = new Set(["python", "pypy"]);
/** Programs that always run a Python script. */
const PYTHON_LAUNCHERS = new Set(["torchrun", "accelerate", "deepspeed"]);
/** Programs that run a command: Python when that command is. */
const COMMAND_LAUNCHERS = new Set(["uv", "poetry", "pipenv", "conda", "mamba", "micromamba", "env", "nohup"]);

// No regular expression: a run that compiles none starts about a millisecond sooner.
const isPythonWord = (word: string) => PYTHONS.has(programName(word)) || word.slice(-3).toLowerCase() === ".py";

/** Whether the command runs Python: `python`, `python3 -m`, a `.py` script, `uv run`, `torchrun`, `accelerate launch`... */
export function runsPython(argv: string[]): boolean {
  const first = argv[0];
  if (first === undefined) return false;
  const name = programName(first);
  if (isPythonWord(first) || PYTHON_LAUNCHERS.has(name)) return true;
  if (!COMMAND_LAUNCHERS.has(name)) return false;
  return argv.slice(1).some((word) => isPythonWord(word) || word === "-m" || word === "--module");
}

/** PYTHONPATH with the hook's folder first. */
export function withHookOnPath(dir: string, pythonPath: string | undefined): string {
  return pythonPath ? `${dir}${delimiter}${pythonPath}` : dir;
}

/** The environment of a run's command with the hook on its path, when the command runs Python and params are read. */
export async function withPythonHook(
  command: string[],
  env: NodeJS.ProcessEnv,
  readParams: boolean,
  warn: (message: string) => void,
): Promise<{ env: NodeJS.ProcessEnv; paramsHook?: "python" }> {
  if (!readParams || !runsPython(command)) return { env };
  // The hook's text is loaded only for a Python command: held in a run's code, it cost every run about a millisecond to load.
  const { pythonHookDir } = await import("./python-hook-dir");
  const hook = pythonHookDir(env);
  if ("error" in hook) {
    warn(`the parameter hook for Python is off: ${hook.error}`);
    return { env };
  }
  return { env: { ...env, PYTHONPATH: withHookOnPath(hook.dir, env.PYTHONPATH) }, paramsHook: "python" };
}
