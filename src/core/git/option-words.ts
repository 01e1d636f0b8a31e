/**
 * A name that reaches git as an argument (a remote, a branch) from the user, a config, a record
 * or a remote must never read as one of git's options: `--upload-pack=CMD` as a remote runs CMD.
 * git calls end option parsing before such names (`--end-of-options`), and these names are
 * refused first, so the message says what was wrong.
 */
import { usageError } from "../errors";

/** Ends git's option parsing: what follows is a name, whatever it starts with. */
export const END_OF_OPTIONS = "--end-of-options";

/** `name` as it is when it cannot read as an option; a usage error naming `what` otherwise. */
export function notAnOption(name: string, what: string): string {
  if (name.startsWith("-"))
    throw usageError(`${what} '${name}' starts with '-': git would read it as an option`, `name a ${what} that does not start with '-'`);
  return name;
}
