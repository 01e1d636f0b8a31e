/** A command as a POSIX shell would read it back: words quoted only when they need it. */
export function shellLine(argv: string[]): string {
  return argv.map(shellWord).join(" ");
}

export function shellWord(word: string): string {
  if (word !== "" && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
