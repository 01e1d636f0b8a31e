import { describe, expect, test } from "bun:test";
import { MagicLineScanner } from "../../../src/core/run/magic-lines";
import { seededRandom } from "../../seeded-random";

function scan(chunks: (string | Uint8Array)[], echo = false) {
  const out: Buffer[] = [];
  const lines: string[] = [];
  const scanner = new MagicLineScanner(
    { passthrough: (d, s, e) => out.push(Buffer.from(d.subarray(s, e))), magicLine: (d, s, e) => lines.push(d.toString("utf8", s, e)) > 0, tooLong: () => {} },
    echo,
  );
  for (const c of chunks) scanner.push(typeof c === "string" ? Buffer.from(c, "latin1") : c);
  scanner.end();
  return { out: Buffer.concat(out).toString("latin1"), lines };
}

/** The same rules applied to the whole stream at once. */
function oracle(stream: string) {
  let out = "";
  const lines: string[] = [];
  let i = 0;
  while (i < stream.length) {
    let j = i;
    while (j < stream.length && stream[j] !== "\n" && stream[j] !== "\r") j++;
    const content = stream.slice(i, j);
    let ending = "";
    let isLine = true;
    if (stream[j] === "\n") ending = "\n";
    else if (stream[j] === "\r" && stream[j + 1] === "\n") ending = "\r\n";
    else if (stream[j] === "\r" && j + 1 < stream.length) {
      ending = "\r";
      isLine = false;
    } else if (stream[j] === "\r") ending = "\r";
    if (isLine && content.startsWith("EXPRAG::")) lines.push(Buffer.from(content.slice(8), "latin1").toString("utf8"));
    else out += content + ending;
    i = j + ending.length;
  }
  return { out, lines };
}

function randomStream(random: () => number): string {
  const pieces = ["EXPRAG::", "EXPRAG:", "EXP", "E", '{"a":1}', "x", "progress 10%", "\n", "\r", "\r\n", "\xff\x00", " "];
  let s = "";
  const n = Math.floor(random() * 40);
  for (let k = 0; k < n; k++) s += pieces[Math.floor(random() * pieces.length)];
  return s;
}

describe("MagicLineScanner", () => {
  test("records magic lines and passes everything else through", () => {
    expect(scan(['hello\nEXPRAG::{"loss":1}\nbye\n'])).toEqual({ out: "hello\nbye\n", lines: ['{"loss":1}'] });
  });

  test("accepts CRLF and finds a magic line after the last carriage return", () => {
    expect(scan(["10%\r50%\rEXPRAG::1\r\n"])).toEqual({ out: "10%\r50%\r", lines: ["1"] });
  });

  test("a magic-looking segment overwritten by a carriage return is progress output", () => {
    expect(scan(["EXPRAG::1\rdone\n"])).toEqual({ out: "EXPRAG::1\rdone\n", lines: [] });
  });

  test("ignores EXPRAG:: in the middle of a line", () => {
    expect(scan(["say EXPRAG::1\n"])).toEqual({ out: "say EXPRAG::1\n", lines: [] });
  });

  test("a last line without a newline is complete", () => {
    expect(scan(["EXPRAG::7"])).toEqual({ out: "", lines: ["7"] });
    expect(scan(["tail without newline"])).toEqual({ out: "tail without newline", lines: [] });
  });

  test("joins a magic line split across chunks, even inside the prefix", () => {
    expect(scan(["ok\nEXP", 'RAG::{"a"', ":2}", "\n"])).toEqual({ out: "ok\n", lines: ['{"a":2}'] });
    expect(scan(["EXPRAG::1\r", "\nafter\n"])).toEqual({ out: "after\n", lines: ["1"] });
    expect(scan(["EXPRAG::1\r", "after\n"])).toEqual({ out: "EXPRAG::1\rafter\n", lines: [] });
    expect(scan(["EXPRAG::1\r", "", "\n"])).toEqual({ out: "", lines: ["1"] });
  });

  test("passes a partial line through at once unless it could become EXPRAG::", () => {
    const out: string[] = [];
    const scanner = new MagicLineScanner({ passthrough: (d, s, e) => out.push(d.toString("latin1", s, e)), magicLine: () => true, tooLong: () => {} });
    scanner.push(Buffer.from("Enter your name: "));
    expect(out).toEqual(["Enter your name: "]);
    scanner.push(Buffer.from("\nEXP"));
    expect(out).toEqual(["Enter your name: ", "\n"]);
    expect(scanner.holdsPrefix).toBe(true);
    scanner.flushHeld();
    expect(out).toEqual(["Enter your name: ", "\n", "EXP"]);
    scanner.push(Buffer.from("RAG::1\n"));
    expect(out.join("")).toBe("Enter your name: \nEXPRAG::1\n");
  });

  test("passes a line through as it was when the sink does not record it", () => {
    const out: Buffer[] = [];
    const scanner = new MagicLineScanner({
      passthrough: (d, s, e) => out.push(Buffer.from(d.subarray(s, e))),
      magicLine: (d, s, e) => d.toString("utf8", s, e) !== "bad",
      tooLong: () => {},
    });
    scanner.push(Buffer.from("EXPRAG::bad\r\nEXPRAG::1\nEXPRAG::bad"));
    scanner.end();
    expect(Buffer.concat(out).toString()).toBe("EXPRAG::bad\r\nEXPRAG::bad");
  });

  test("passes a runaway magic line through once it outgrows the limit, and goes on", () => {
    const out: string[] = [];
    const lines: string[] = [];
    const tooLong: number[] = [];
    const scanner = new MagicLineScanner(
      {
        passthrough: (d, s, e) => out.push(d.toString("latin1", s, e)),
        magicLine: (d, s, e) => lines.push(d.toString("utf8", s, e)) > 0,
        tooLong: (_, bytes) => tooLong.push(bytes),
      },
      false,
      16,
    );
    for (const chunk of ["EXPRAG::0123", "456789abcdef", "ghij\r", "\nEXPRAG::1\n"]) scanner.push(Buffer.from(chunk));
    scanner.end();
    expect(out.join("")).toBe("EXPRAG::0123456789abcdefghij\r\n");
    expect(lines).toEqual(["1"]);
    expect(tooLong).toEqual([24]); // the line so far, EXPRAG:: included
  });

  test("--echo shows magic lines too", () => {
    expect(scan(["a\nEXPRAG::1\r\nb\n"], true)).toEqual({ out: "a\nEXPRAG::1\r\nb\n", lines: ["1"] });
  });

  test("keeps binary and invalid UTF-8 bytes exact", () => {
    const bytes = Buffer.from([0, 255, 254, 10, 13, 0xc3, 0x28, 10]);
    expect(scan([bytes]).out).toBe(bytes.toString("latin1"));
  });

  test("agrees with the whole-stream rules for every way of cutting the stream", () => {
    const random = seededRandom(42);
    for (let round = 0; round < 3000; round++) {
      const stream = randomStream(random);
      const cuts: string[] = [];
      let i = 0;
      while (i < stream.length) {
        const size = Math.floor(random() * 12);
        cuts.push(stream.slice(i, i + size));
        i += size;
      }
      expect({ stream, ...scan(cuts) }).toEqual({ stream, ...oracle(stream) });
      expect(scan(cuts, true).out).toBe(stream);
    }
  });
});
