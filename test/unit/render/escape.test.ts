import { describe, expect, test } from "bun:test";
import { TerminalText, visible } from "../../../src/render/escape";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("visible", () => {
  test("controls and bidirectional overrides become escapes; other text stays", () => {
    expect(visible("a\tb\nc\x1b[2Jd\u202ee é")).toBe("a\\tb\\nc\\e[2Jd\\u202ee é");
    expect(visible("plain")).toBe("plain");
  });

  test("line and paragraph separators and the characters that show as nothing become escapes; joiners in emoji stay", () => {
    expect(visible("a\u2028b\u2029c\u200bd\u2060e\ufefff")).toBe("a\\u2028b\\u2029c\\u200bd\\u2060e\\ufefff");
    expect(visible("👨\u200d👩")).toBe("👨\u200d👩");
  });
});

describe("TerminalText", () => {
  test("keeps colours, erase-line, tabs, line ends and carriage returns; escapes every other control", () => {
    const shown = new TerminalText().push(bytes("\x1b[1;31mred\x1b[0m\t50%\r\x1b[K100%\n\x1b]0;title\x07\x1b[2J\x1b[5A\x08\u202e"), true);
    expect(shown).toBe("\x1b[1;31mred\x1b[0m\t50%\r\x1b[K100%\n\\e]0;title\\u0007\\e[2J\\e[5A\\u0008\\u202e");
  });

  test("a sequence or a character cut between chunks is judged whole", () => {
    const text = new TerminalText();
    expect(text.push(bytes("a\x1b[3"))).toBe("a");
    expect(text.push(bytes("1mb\x1b"))).toBe("\x1b[31mb");
    expect(text.push(bytes("]0;t\x07"))).toBe("\\e]0;t\\u0007");
    const e = bytes("é");
    expect(text.push(e.subarray(0, 1)) + text.push(e.subarray(1))).toBe("é");
  });

  test("what an unfinished sequence held back is written, escaped, at the end", () => {
    const text = new TerminalText();
    expect(text.push(bytes("x\x1b["))).toBe("x");
    expect(text.push(new Uint8Array(), true)).toBe("\\e[");
    expect(new TerminalText().push(new Uint8Array([0x61, 0xff]), true)).toBe("a\ufffd");
  });
});
