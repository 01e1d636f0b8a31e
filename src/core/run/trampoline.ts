/**
 * `exprag __exec SIGNALS -- PROGRAM [ARGS]` (internal): replaces this process with PROGRAM, with
 * SIGNALS ignored and the runtime's own ignored signals back at default. This is how a signal the
 * user ignored (nohup) stays ignored in the command, since Bun starts children with none ignored.
 */
import { EXIT, UserError } from "../errors";
import { execIgnoring } from "../os/posix";
import { RUNTIME_IGNORED_SIGNALS } from "../os/signals";
import { signalNumber } from "./signals";

export function execWithIgnoredSignals(argv: string[]): never {
  const [signals = "", separator, ...command] = argv;
  if (separator !== "--" || command.length === 0) throw new UserError("internal __exec needs SIGNALS -- PROGRAM", EXIT.usage);
  execIgnoring(command, signals.split(",").filter(Boolean).map(signalNumber), RUNTIME_IGNORED_SIGNALS.map(signalNumber));
  throw new UserError(`cannot run ${command[0]}`, EXIT.notExecutable);
}
