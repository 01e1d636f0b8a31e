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

/** The code of a failed system call (ENOENT, EACCES...), or undefined for any other error. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/** Whether `error` is a failed system call with this code. */
export const isErrno = (error: unknown, code: string): boolean => errnoCode(error) === code;

/** Why an operation failed, in a word when a system call did: its code, else the error as text. */
export const errnoReason = (error: unknown): string => errnoCode(error) ?? String(error);
