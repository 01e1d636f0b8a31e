/**
 * Record lines written to trip up a reader that finds values without parsing: watched keys
 * written with escapes, twice, nested under themselves; numbers at the edges of what reads the
 * same (-0, 1e400, 5.0000000001, integers past 2^53); whitespace everywhere; values of every kind
 * where a number is watched. Built as text, so numbers keep the exact spelling given.
 */

const KEYS = ['"loss"', '"metrics"', '"acc"', '"step"', '"los"', '"losses"', '"x"'];
/** Rarer: keys written with escapes (which send a top-level key the slow way), reserved ones, UTF-8 ones, long ones (as wide as a probe's length mask, and wider). */
const ODD_KEYS = [
  '"lo\\u0073s"',
  '"metr\\u0069cs"',
  '"\\u006coss"',
  '"$note"',
  '"a\\"b"',
  '"\\t"',
  '"é"',
  '"😀"',
  `"${"k".repeat(32)}"`,
  `"lo\\u0073s${"s".repeat(28)}"`,
];
const NUMBERS = [
  "0",
  "-0",
  "-0.0",
  "0e99",
  "5",
  "5.0",
  "5e0",
  "50e-1",
  "0.5E+1",
  "5.0000000001",
  "4.9999999999",
  "5.000000000000001",
  "-7",
  "0.25",
  "1E-7",
  "6",
];
/** Rarer: numbers past the double range, or past exact integers. */
const ODD_NUMBERS = ["1e400", "-1e400", "1e-400", "1e308", "2e-308", "123456789012345678901234567890", "9007199254740993"];
const OTHERS = ['"5"', '"text"', "true", "false", "null", '""'];
const SPACES = ["", "", "", " ", "\t", " \n "];

/** One generated JSON text (a record when `depth` is 0: most often an object). */
export function hostileValue(random: () => number, depth = 0): string {
  const pick = (list: string[]) => list[Math.floor(random() * list.length)]!;
  const either = (common: string[], odd: string[]) => pick(random() < 0.1 ? odd : common);
  const space = () => pick(SPACES);
  const kind = random();
  if (depth === 0 ? kind < 0.8 : depth < 4 && kind < 0.35) {
    const members = Array.from(
      { length: Math.floor(random() * 5) },
      () => `${space()}${either(KEYS, ODD_KEYS)}${space()}:${space()}${hostileValue(random, depth + 1)}${space()}`,
    );
    return `{${members.join(",")}${space()}}`;
  }
  if (depth === 0 ? kind < 0.9 : depth < 4 && kind < 0.45)
    return `[${Array.from({ length: Math.floor(random() * 3) }, () => hostileValue(random, depth + 1)).join(", ")}]`;
  return random() < 0.75 ? either(NUMBERS, ODD_NUMBERS) : pick(OTHERS);
}

/** The generated text cut or changed at one place, as a truncated or garbled line. */
export function damaged(random: () => number, text: string): string {
  const at = Math.floor(random() * (text.length + 1));
  const action = random();
  if (action < 0.4) return text.slice(0, at);
  if (action < 0.7) return text.slice(0, at) + text.slice(at + 1);
  return text.slice(0, at) + '{}[]",:.-eE05 \\'[Math.floor(random() * 16)] + text.slice(at);
}

/** A JSON token of valid text: a string, a number, or a literal. */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/g;
/** What may stand where a scalar stood: other scalars (the same shape), or what changes the shape or breaks the line. */
const STAND_INS = ["{}", "[]", '{"loss": 1}', "[5]", "tru", "1.", "-", "01", "NaN", '"open', '"\\q"', " 7", "7 ", "1e400", "99999"];

/**
 * `text` (valid JSON, as hostileValue makes) with some of its scalar values replaced: mostly by
 * other scalars, which keep its shape (its bytes outside the values), sometimes by what changes
 * the shape or breaks the line; now and then a key is renamed.
 */
export function reshaped(random: () => number, text: string): string {
  const pick = (list: string[]) => list[Math.floor(random() * list.length)]!;
  return text.replace(TOKEN, (token, at: number) => {
    const isKey = token.startsWith('"') && /^\s*:/.test(text.slice(at + token.length));
    const chance = random();
    if (isKey) return chance < 0.05 ? pick(KEYS) : token;
    if (chance < 0.5) return token;
    if (chance < 0.93) return random() < 0.75 ? pick(random() < 0.1 ? ODD_NUMBERS : NUMBERS) : pick(OTHERS);
    return pick(STAND_INS);
  });
}
