/**
 * A run's parameters, read from the command it runs, for any language and with no change to the
 * script: `python train.py --lr 0.03 --batch-size 32` -> `{ lr: 0.03, batch_size: 32 }`.
 *
 * Which words: only the script's own arguments (script-arguments.ts finds them).
 *
 * How they read:
 * - `--name value`, `--name=value`; `--name` before another option, before a `key=value` word or at
 *   the end is `true`. Dashes in names become underscores, as argparse names them; dots nest
 *   (`--model.depth 4`). `--no-x` is `no_x: true`, not inverted. A repeated name: the last wins.
 * - `key=value` words (Hydra, Guild, Sacred) nest on dots: `model.depth=4` -> `{ model: { depth: 4 } }`.
 *   Hydra's `+`/`++` prefixes are dropped; `~key` deletions are ignored. Such a word is never the
 *   value of the option before it. Keys are kept as written (no dash conversion).
 * - A path that runs through a value already set replaces it: `a=1 a.b=2` -> `{ a: { b: 2 } }`.
 * - Short options (`-v`, `-n 3`) and positional words are not parameters; `--shift -1` is a value.
 * - `--` between the script's words is skipped: options on both sides count.
 * - Values: JSON numbers, `true`, `false`, `null` are typed; anything else stays a string
 *   (`--tags a,b` is "a,b"). Integers beyond 2^53 and numbers that overflow stay strings, so
 *   nothing is silently changed. An option with several values (`--layers 1 2`) keeps the first.
 */

import { MAX_RECORD_DEPTH } from "../record/json-values";
import { isOptionWord, scriptArguments } from "./script-arguments";

export type Params = Record<string, unknown>;

/** The parameters of the command line `argv` (argv[0] is the program as typed). */
export function paramsFromArgv(argv: string[]): Params {
  return paramsFromArguments(scriptArguments(argv));
}

/**
 * `params` with `extra` on top (a sweep's point): dotted keys nest as on the command line
 * (`model.depth`), and a value given both ways takes `extra`'s. Null stays null without `extra`.
 */
export function withParams(params: Params | null, extra: Params | undefined): Params | null {
  if (!extra) return params;
  const merged: Params = structuredClone(params ?? {});
  for (const [key, value] of Object.entries(extra)) assignPath(merged, key.split("."), value);
  return merged;
}

/** The parameters named by a script's own arguments. */
export function paramsFromArguments(words: string[]): Params {
  const params: Params = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.startsWith("--") && word.length > 2) {
      const equals = word.indexOf("=");
      const name = word.slice(2, equals < 0 ? undefined : equals).replaceAll("-", "_");
      let value: unknown = true;
      if (equals >= 0) value = typedValue(word.slice(equals + 1));
      else if (isOptionValue(words[i + 1])) value = typedValue(words[++i]!);
      assignPath(params, name.split("."), value);
    } else {
      const override = readOverride(word);
      if (override && !override.deletion) assignPath(params, override.path, typedValue(override.raw));
    }
  }
  return params;
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** A Hydra-style override: an optional `+`, `++` or `~`, a dotted key, then `=value` (optional after `~`). */
const OVERRIDE = /^(~|\+\+|\+)?([A-Za-z_][\w@/-]*(?:\.[\w@/-]+)*)(?:=([\s\S]*))?$/;

/** Whether `word` can be the value of the long option before it. */
function isOptionValue(word: string | undefined): word is string {
  return word !== undefined && !isOptionWord(word) && readOverride(word) === undefined;
}

function readOverride(word: string): { path: string[]; raw: string; deletion: boolean } | undefined {
  const match = OVERRIDE.exec(word);
  if (!match) return undefined;
  const [, prefix, key, raw] = match;
  if (raw === undefined && prefix !== "~") return undefined;
  return { path: key!.split("."), raw: raw ?? "", deletion: prefix === "~" };
}

function typedValue(raw: string): unknown {
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (raw === "null") return null;
  if (JSON_NUMBER.test(raw)) {
    const number = Number(raw);
    const isInteger = /^-?\d+$/.test(raw);
    if (Number.isFinite(number) && (!isInteger || Number.isSafeInteger(number))) return number;
  }
  return raw;
}

/**
 * Sets `value` at the dotted `path`, replacing anything in the way; a path with an empty part, or
 * nesting deeper than a record may, is skipped.
 */
function assignPath(params: Params, path: string[], value: unknown): void {
  if (path.length > MAX_RECORD_DEPTH || path.some((part) => part === "")) return;
  let target = params;
  for (const part of path.slice(0, -1)) {
    const next = Object.hasOwn(target, part) ? target[part] : undefined;
    target = isObject(next) ? next : defineOwn(target, part, {});
  }
  defineOwn(target, path.at(-1)!, value);
}

/** Sets an own property, even for keys such as `__proto__`. */
function defineOwn<T>(target: Params, key: string, value: T): T {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

function isObject(value: unknown): value is Params {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
