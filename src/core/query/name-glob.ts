/** `--name`: a run's experiment name matched whole, in any case, exactly or as a glob. */
import { usageError } from "../errors";

/** The whole name, in any case: exactly, or as a glob (`*` any run, `?` one character, `[abc]`, `[a-z]`, `[!abc]` one of a set). */
export function nameMatches(pattern: string, name: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  if (compiled?.pattern !== pattern) compiled = { pattern, glob: nameGlob(pattern) };
  return compiled.glob.test(name);
}

let compiled: { pattern: string; glob: RegExp } | undefined;

function nameGlob(pattern: string): RegExp {
  let source = "";
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    const close = char === "[" ? chars.indexOf("]", i + 2) : -1;
    if (char === "*") source += "[^]*";
    else if (char === "?") source += "[^]";
    else if (close > 0) {
      const set = chars.slice(i + 1, close);
      const negated = set[0] === "!" || set[0] === "^";
      const body = (negated ? set.slice(1) : set).map((c) => (c === "-" ? c : c.replace(/[\\\]^]/g, "\\$&"))).join("");
      source += `[${negated ? "^" : ""}${body}]`;
      i = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`, "iu");
  } catch {
    throw usageError(`--name: '${pattern}' is not a glob (a [...] set such as [a-z] is out of order)`, "e.g. --name 'lr-*' or --name 'run-[0-9]'");
  }
}
