/**
 * The batch script of an exprag Slurm array job, and its tasks file. Task N of the array runs
 * `exprag __slurm-task TASKS N`, which reads line N of the tasks file (JSON: its `exprag run`
 * arguments and its environment variables) and runs it: no task value is ever read by a shell, and
 * the script stays small however many tasks there are. The script writes every value it holds
 * single-quoted; both files are kept in the store for inspection (`--dry-run` prints them).
 */
import { readFileSync } from "node:fs";
import { EXIT, UserError } from "../errors";

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
  /** The tasks file, as the nodes read it. */
  tasksFile: string;
  /** The sbatch command it is submitted with, written at the top for whoever reads it. */
  sbatch: string[];
  /** What it runs, for its comments: `sweep-<id>`, `rerun-<run id>`. */
  name: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function exports(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => {
      if (!NAME.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
      return `export ${name}=${shellWord(value)}\n`;
    })
    .join("");
}

export function jobScript(script: JobScript): string {
  return `#!/bin/sh
# exprag ${script.name}: one Slurm array task per run, each an \`exprag run\` of one line of
# ${script.tasksFile}
# Submitted as: ${words(script.sbatch)}
cd ${shellWord(script.folder)} || exit 1
${exports(script.variables)}exec ${words(script.exprag)} __slurm-task ${shellWord(script.tasksFile)} "\${SLURM_ARRAY_TASK_ID:-}"
`;
}

/** The tasks file: one JSON line per task. */
export const tasksText = (tasks: ScriptTask[]): string => tasks.map((task) => `${JSON.stringify({ run: task.runArguments, env: task.variables })}\n`).join("");

/** `exprag __slurm-task FILE N` (internal): task N's `exprag run` arguments and environment. */
export function readTask(argv: string[]): ScriptTask {
  const [file, index] = argv;
  if (!file || !index || !/^\d+$/.test(index)) throw new UserError("internal __slurm-task needs TASKS-FILE ARRAY-TASK-ID", EXIT.usage);
  const line = readFileSync(file, "utf8").split("\n")[Number(index)];
  let task: { run?: unknown; env?: unknown } | null = null;
  try {
    task = line ? JSON.parse(line) : null;
  } catch {}
  const run = task?.run;
  const env = task?.env;
  if (!Array.isArray(run) || !run.every((word) => typeof word === "string") || typeof env !== "object" || env === null)
    throw new UserError(`${file} has no task ${index}`, EXIT.usage);
  const variables = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => NAME.test(entry[0]) && typeof entry[1] === "string"));
  return { runArguments: run, variables };
}
