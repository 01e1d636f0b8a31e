/**
 * Whole-string globs matched in linear time. Every part but `*` takes exactly one character, so on
 * a mismatch only the last `*` seen needs to take one more: no pattern backtracks further
 * (`*a*a*a*a*b` against a long name stays fast, where a regular expression would not).
 */

/** `*`, or what one character must be. */
export type GlobPart = "*" | ((char: string) => boolean);

export const anyCharacter: GlobPart = () => true;

export function matchGlob(parts: GlobPart[], value: string): boolean {
  const chars = [...value];
  let p = 0;
  let v = 0;
  let star = -1;
  let starAt = 0;
  while (v < chars.length) {
    const part = parts[p];
    if (part !== undefined && part !== "*" && part(chars[v]!)) {
      p++;
      v++;
    } else if (part === "*") {
      star = p++;
      starAt = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++starAt;
    } else {
      return false;
    }
  }
  while (parts[p] === "*") p++;
  return p === parts.length;
}
