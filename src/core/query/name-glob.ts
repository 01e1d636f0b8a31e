/** `--name`: a run's experiment name matched whole, in any case, exactly or as a glob. */
import { usageError } from "../errors";
import { anyCharacter, type GlobPart, matchGlob } from "./glob";

/** The whole name, in any case: exactly, or as a glob (`*` any run, `?` one character, `[abc]`, `[a-z]`, `[!abc]` one of a set). */
export function nameMatches(pattern: string, name: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  if (compiled?.pattern !== pattern) compiled = { pattern, parts: nameGlob(pattern) };
  return matchGlob(compiled.parts, name);
}

let compiled: { pattern: string; parts: GlobPart[] } | undefined;

function nameGlob(pattern: string): GlobPart[] {
  const parts: GlobPart[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    const close = char === "[" ? chars.indexOf("]", i + 2) : -1;
    if (char === "*") parts.push("*");
    else if (char === "?") parts.push(anyCharacter);
    else if (close > 0) {
      const set = chars.slice(i + 1, close);
      const negated = set[0] === "!" || set[0] === "^";
      const body = (negated ? set.slice(1) : set).map((c) => (c === "-" ? c : c.replace(/[\\\]^]/g, "\\$&"))).join("");
      // One character class alone: a regular expression that cannot backtrack.
      const one = setOf(`[${negated ? "^" : ""}${body}]`, pattern);
      parts.push((c) => one.test(c));
      i = close;
    } else {
      const lower = char.toLowerCase();
      parts.push((c) => c === char || c.toLowerCase() === lower);
    }
  }
  return parts;
}

function setOf(source: string, pattern: string): RegExp {
  try {
    return new RegExp(`^${source}$`, "iu");
  } catch {
    throw usageError(`--name: '${pattern}' is not a glob (a [...] set such as [a-z] is out of order)`, "e.g. --name 'lr-*' or --name 'run-[0-9]'");
  }
}
