/**
 * What every answer is given besides its request: where the runs and the code are, how to warn,
 * and, for a front end that shows it, how far long work got.
 *
 * Every question exprag answers has one function in this folder: `answerX(request, context)`.
 * Its result's `data` is exactly what `exprag x --json` prints and what the MCP tool returns; the
 * other fields are facts the front ends word their messages from (how many there were in all,
 * what was guessed). A command parses flags into the request, calls the answer, renders; a tool
 * validates its input into the same request, calls the same answer, serialises.
 */
import { loadProjectConfig, type ProjectConfig } from "../config";
import type { OnProgress, Warn } from "../query/records";

export interface AnswerContext {
  /** The run store. */
  store: string;
  /** The working directory: where the repository is found and paths are read from. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The project config, when the front end has read it already; read from `cwd` when left out. */
  config?: ProjectConfig | null;
  warn: Warn;
  /** Long work reports its phases here: "reading runs", then done of total. */
  progress?: { phase(label: string): OnProgress };
}

/** The project config of `context`: the one its front end read, else read from its `cwd` when first asked for. */
export function configOf({ config, cwd, env }: Pick<AnswerContext, "config" | "cwd" | "env">): () => ProjectConfig | null {
  let read = config;
  return () => {
    read ??= loadProjectConfig(cwd, env);
    return read;
  };
}
