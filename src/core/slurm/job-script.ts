/**
 * The batch script of a sweep's Slurm array job: task N runs point N with `exprag run`. Every value
 * is written single-quoted, so no grid value, path or option is ever interpreted by a shell; the
 * script is kept in the store for inspection (`--dry-run` prints it).
 */

/** `value` as one word for sh: single-quoted, a quote inside written as '\''. */
export function shellWord(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const words = (argv: string[]) => argv.map(shellWord).join(" ");

export interface ScriptTask {
  /** The `exprag run` arguments of this task (after `run`). */
  runArguments: string[];
  /** Environment variables only this task gets (its run id, its point). */
  variables: Record<string, string>;
}

export interface JobScript {
  /** How to start exprag on the node: its absolute path. */
  exprag: string[];
  /** The folder each task starts in (the sweep's worktree). */
  folder: string;
  /** Environment variables every task gets (the code read once). */
  variables: Record<string, string>;
  tasks: ScriptTask[];
  /** The sbatch command it is submitted with, written at the top for whoever reads it. */
  sbatch: string[];
  /** What it runs, for its comments: `sweep-<id>`, `rerun-<run id>`. */
  name: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function exports(variables: Record<string, string>, indent: string): string {
  return Object.entries(variables)
    .map(([name, value]) => {
      if (!NAME.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
      return `${indent}export ${name}=${shellWord(value)}\n`;
    })
    .join("");
}

export function jobScript(script: JobScript): string {
  const cases = script.tasks.map((task, index) => `  ${index})\n${exports(task.variables, "    ")}    set -- ${words(task.runArguments)}\n    ;;\n`).join("");
  return `#!/bin/sh
# exprag ${script.name}: one Slurm array task per run, each an \`exprag run\`.
# Submitted as: ${words(script.sbatch)}
cd ${shellWord(script.folder)} || exit 1
${exports(script.variables, "")}case "\${SLURM_ARRAY_TASK_ID:-}" in
${cases}  *)
    echo "exprag ${script.name}: no run for array task \${SLURM_ARRAY_TASK_ID:-(none)}" >&2
    exit 2
    ;;
esac
exec ${words(script.exprag)} run "$@"
`;
}
