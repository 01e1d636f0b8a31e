/**
 * Untrusted text made safe to show: a name, a note, a metric key or an argv word written by a
 * script can hold terminal escapes (a title change, a clipboard write, erased or hidden rows).
 * Control characters (C0, DEL, C1) and the bidirectional controls that reorder what is seen are
 * written as visible escapes; everything else is left as it is. JSON output stays exact instead.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e" };

export function visible(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
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
    UNSAFE.lastIndex = 0;
    for (let match = UNSAFE.exec(text); match; match = UNSAFE.exec(text)) {
      SHOWN.lastIndex = match.index;
      const kept = SHOWN.exec(text);
      const end = kept ? match.index + kept[0].length : match.index + 1;
      safe += text.slice(from, match.index) + (kept ? kept[0] : visible(match[0]));
      from = end;
      UNSAFE.lastIndex = end;
    }
    return safe + text.slice(from);
  }
}
