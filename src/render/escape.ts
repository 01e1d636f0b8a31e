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
