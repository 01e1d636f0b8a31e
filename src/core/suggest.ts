/**
 * "Did you mean ...?" for a mistyped command or option: the known words closest to what was
 * typed, by edit distance with transpositions (`jsno` is one edit from `json`), as git, cargo and
 * uv suggest.
 */

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

const MAX_TYPED = 256;

/**
 * The candidates `typed` most likely meant: the closest ones within a third of its length (at
 * least one edit, at most two), else the only candidate it begins; none when nothing is close.
 */
export function closestWords(typed: string, candidates: readonly string[]): string[] {
  const word = typed.toLowerCase();
  // Past a length no one types, no suggestion: the distance costs the product of the lengths.
  if (!word || word.length > MAX_TYPED) return [];
  const allowed = Math.min(2, Math.max(1, Math.floor(word.length / 3)));
  let best = Number.POSITIVE_INFINITY;
  let found: string[] = [];
  for (const candidate of new Set(candidates)) {
    // Lengths further apart than the edits allowed are further apart in edits too.
    const lower = candidate.toLowerCase();
    if (Math.abs(lower.length - word.length) > allowed) continue;
    const distance = editDistance(word, lower);
    if (distance > allowed || distance > best) continue;
    if (distance < best) [best, found] = [distance, []];
    found.push(candidate);
  }
  if (found.length) return found;
  const extending = [...new Set(candidates)].filter((candidate) => candidate.toLowerCase().startsWith(word));
  return word.length >= 2 && extending.length === 1 ? extending : [];
}

/** "did you mean 'ls'?", "did you mean 'log' or 'ls'?"; null when nothing is close. */
export function didYouMean(typed: string, candidates: readonly string[], quote = (word: string) => `'${word}'`): string | null {
  const found = closestWords(typed, candidates).slice(0, 3).map(quote);
  if (!found.length) return null;
  const list = found.length === 1 ? found[0] : `${found.slice(0, -1).join(", ")} or ${found.at(-1)}`;
  return `did you mean ${list}?`;
}
