/**
 * `exprag rerun <run> --set KEY=VALUE`: one parameter of a recorded command rewritten in the form
 * it came in, with no I/O.
 */
import { usageError } from "../errors";
import { isOptionWord } from "../run/script-arguments";

/** Parses `KEY=VALUE`; the value may be empty or hold `=`, the key is named without dashes or `+`. */
export function parseSetAssignment(text: string): { key: string; value: string } {
  const equals = text.indexOf("=");
  const key = equals < 0 ? "" : text.slice(0, equals);
  if (key === "" || /\s/.test(key)) throw usageError(`--set expects KEY=VALUE, got "${text}"`, "e.g. --set lr=0.01");
  if (/^[-+~]/.test(key)) {
    throw usageError(`--set ${text}: name the parameter without its prefix`, `e.g. --set ${key.replace(/^[-+~]+/, "")}=${text.slice(equals + 1)}`);
  }
  return { key, value: text.slice(equals + 1) };
}

/**
 * The command with every occurrence of the parameter `key` given `value`, each in its own form:
 * `--lr 0.03`, `--lr=0.03`, `-lr 0.03`, `-lr=0.03`, `lr=0.03`, and Hydra's `+lr=0.03` and `++lr=0.03`
 * (the prefix is kept). Dashes and underscores in names are the same (`batch_size` finds
 * `--batch-size`, as argparse does). The program word (argv[0]) is never rewritten.
 *
 * Null when the key does not appear with a value, so the caller decides what to say. A bare flag
 * (`--fast` at the end, or followed by another option) has no value to rewrite, so it alone gives null.
 */
export function setParam(argv: string[], key: string, value: string): string[] | null {
  const wanted = paramName(key);
  const rewritten = [...argv];
  let found = false;
  for (let index = 1; index < rewritten.length; index++) {
    const word = rewritten[index]!;
    const option = /^(--?)([^=-][^=]*)(=.*)?$/s.exec(word);
    if (option) {
      const [, dashes, name, attached] = option;
      if (paramName(name!) !== wanted) continue;
      if (attached !== undefined) {
        rewritten[index] = `${dashes}${name}=${value}`;
        found = true;
      } else if (index + 1 < rewritten.length && isOptionValue(rewritten[index + 1]!)) {
        rewritten[index + 1] = value;
        found = true;
        index++;
      }
      continue;
    }
    const assignment = /^(\+{0,2})([^=+][^=]*)=/s.exec(word);
    if (assignment && paramName(assignment[2]!) === wanted) {
      rewritten[index] = `${assignment[1]}${assignment[2]}=${value}`;
      found = true;
    }
  }
  return found ? rewritten : null;
}

const paramName = (name: string) => name.replace(/-/g, "_");

/** The word after an option is its value unless it is another option; `-0.5`, `-.5` and `-` are values. */
const isOptionValue = (word: string) => !isOptionWord(word);
