/**
 * The globs of `--outputs`: which paths they match, and where a search for those paths need
 * look: a glob that begins with folders named literally (`checkpoints/**`) matches nothing outside them.
 */

/**
 * Whether a path matches any of the globs (none: every path). A glob without a `/` matches a file
 * name anywhere (`*.pt`), as in .gitignore; one with a `/` matches the whole path (`checkpoints/**`).
 */
export function pathMatcher(globs: string[]): (path: string) => boolean {
  if (!globs.length) return () => true;
  const matchers = globs.map((glob) => ({ glob: new Bun.Glob(glob), anywhere: !glob.includes("/") }));
  return (path) => matchers.some(({ glob, anywhere }) => glob.match(path) || (anywhere && glob.match(path.slice(path.lastIndexOf("/") + 1))));
}

/** A part of a glob that is not a folder's name as written: a pattern, an escape, a negation, or no name at all. */
const NOT_LITERAL = /[*?[\]{}()!\\]|^\.{0,2}$/;

/**
 * The folders (relative to the root, "" the root itself) a search for paths the globs match must
 * look into: each glob's leading folders named literally; the root where a glob has none, or
 * matches a file name anywhere, or there are no globs. A folder inside another listed is left to it.
 */
export function searchStarts(globs: string[]): string[] {
  const starts: string[] = [];
  for (const glob of globs) {
    const parts = glob.split("/");
    const literal: string[] = [];
    for (const part of parts.slice(0, -1)) {
      if (NOT_LITERAL.test(part)) break;
      literal.push(part);
    }
    if (literal.length === 0) return [""];
    starts.push(literal.join("/"));
  }
  if (starts.length === 0) return [""];
  const sorted = [...new Set(starts)].sort();
  return sorted.filter((start, i) => !sorted.slice(0, i).some((outer) => start.startsWith(`${outer}/`)));
}
