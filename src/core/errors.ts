/** Exit codes of exprag's own failures; a wrapped command's own code passes through unchanged. */
export const EXIT = {
  /** A request that cannot be met: an unknown run, a refused checkout. */
  failure: 1,
  usage: 2,
  /** `run`: a stop rule (--stop-when) ended the command. */
  stopped: 123,
  /** `run`: the time limit passed; `wait`: its --timeout did. As timeout(1). */
  timeout: 124,
  internal: 125,
  notExecutable: 126,
  notFound: 127,
} as const;

/**
 * A failure meant for the user: a one-line message saying what was wrong, an optional hint
 * saying what to do, and the exit code the CLI ends with. Anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.internal,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export const usageError = (message: string, hint?: string) => new UserError(message, EXIT.usage, hint);
