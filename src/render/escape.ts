/**
 * Untrusted text made safe to show: a name, a note, a metric key or an argv word written by a
 * script can hold terminal escapes (a title change, a clipboard write, erased or hidden rows).
 * Control characters (C0, DEL, C1) and the bidirectional controls that reorder what is seen are
 * written as visible escapes; everything else is left as it is. JSON output stays exact instead.
 */

import { isTerminal } from "../core/os/posix";

/**
 * C0 controls, DEL, C1 controls, the bidirectional marks, embeddings, overrides and isolates, the
 * line and paragraph separators (a line break to some terminals), and the characters that show as
 * nothing (zero-width space, word joiner, byte order mark): two names that look alike are told apart.
 */
function isUnsafe(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x61c ||
    code === 0x200b ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/**
 * Where the next unsafe character is, at `from` or after; -1 when none is. A loop rather than a
 * regular expression: every run writes a message, and the first regular expression a process
 * compiles costs about a third of a millisecond.
 */
function nextUnsafe(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Printable ASCII first: most text is, and the loop stays within 2x of the regular expression's scan.
    if (code >= 0x20 && code < 0x7f) continue;
    if (isUnsafe(code)) return i;
  }
  return -1;
}

const NAMED: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e" };

/** A name as stdout gives it: escaped at a terminal; as it is to a pipe, for a script to use (a path it loads). */
export const visibleAtTerminal = (text: string): string => (isTerminal(1) ? visible(text) : text);

export function visible(text: string): string {
  let safe = "";
  let from = 0;
  for (let at = nextUnsafe(text, 0); at >= 0; at = nextUnsafe(text, from)) {
    const c = text[at]!;
    safe += text.slice(from, at) + (NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    from = at + 1;
  }
  return from === 0 ? text : safe + text.slice(from);
}

/** The controls output shown as it was keeps: colours (SGR), erase-line, tab, line feed, carriage return. */
const SHOWN = /\x1b\[[0-9;:]*[mK]|[\t\n\r]/y;
/** An escape sequence cut at the end of a chunk, held until the next one shows what it is. */
const UNFINISHED = /\x1b(\[[0-9;:?]*)?$/;

/**
 * Untrusted output (a run's log, a file of its code) written to a terminal as it was shown, chunk
 * by chunk: colours, progress bars' carriage returns and line erasing stay; every other control
 * (a title change, a clipboard write, cursor moves that hide lines) is written as `visible` writes
 * it. Bytes that are not UTF-8 become U+FFFD.
 */
export class TerminalText {
  private readonly decoder = new TextDecoder();
  private held = "";

  /** The safe text of the next chunk; `end` flushes what an unfinished sequence held back. */
  push(bytes: Uint8Array, end = false): string {
    let text = this.held + this.decoder.decode(bytes, { stream: !end });
    this.held = "";
    const cut = end ? null : UNFINISHED.exec(text);
    if (cut) {
      this.held = text.slice(cut.index);
      text = text.slice(0, cut.index);
    }
    let safe = "";
    let from = 0;
    for (let at = nextUnsafe(text, 0); at >= 0; at = nextUnsafe(text, from)) {
      SHOWN.lastIndex = at;
      const kept = SHOWN.exec(text);
      safe += text.slice(from, at) + (kept ? kept[0] : visible(text[at]!));
      from = kept ? at + kept[0].length : at + 1;
    }
    return safe + text.slice(from);
  }
}
