import { UserError } from "../../src/core/errors";

/** How `run` fails for a user, as [exit code, message]; anything else fails the test. */
export function failureOf(run: () => unknown): [number, string] {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return [error.exitCode, error.message];
    throw error;
  }
  throw new Error("expected a failure, got none");
}
