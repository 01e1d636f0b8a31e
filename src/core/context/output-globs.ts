/**
 * The globs of `--outputs`: which paths they match, and where a search for those paths need
 * look: a glob that begins with folders named literally (`checkpoints/**`) matches nothing outside them.
 */
import { isAtOrUnder } from "../os/paths";

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
  return starts.length === 0 ? [""] : outermost(starts);
}

/**
 * Of the folders a watch named (to be searched whole), those that may hold paths the globs
 * match, by `searchStarts`'s `starts`: one inside a start as it is, one holding a start that
 * start; each once, a folder inside another listed left to it. Null where one lies outside every
 * start: a file there may be a second name of one inside, changed through it, which no event
 * names, so the starts are searched whole.
 */
export function foldersWithin(named: Iterable<string>, starts: string[]): string[] | null {
  const kept: string[] = [];
  for (const folder of named) {
    if (starts.some((start) => isAtOrUnder(folder, start))) kept.push(folder);
    else {
      const inside = starts.filter((start) => isAtOrUnder(start, folder));
      if (inside.length === 0) return null;
      kept.push(...inside);
    }
  }
  return outermost(kept);
}

/** The paths, sorted, each once, without those inside another. */
function outermost(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((path, i) => !sorted.slice(0, i).some((outer) => isAtOrUnder(path, outer)));
}
