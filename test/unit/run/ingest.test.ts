import { describe, expect, test } from "bun:test";
import { LineSplitter } from "../../../src/core/run/ingest";

describe("LineSplitter", () => {
  const split = (chunks: string[], max?: number) => {
    const lines: string[] = [];
    const tooLong: number[] = [];
    const splitter = new LineSplitter(
      (d, s, e) => lines.push(d.toString("utf8", s, e)),
      (_, bytes) => tooLong.push(bytes),
      max,
    );
    for (const chunk of chunks) splitter.push(Buffer.from(chunk));
    splitter.end();
    return { lines, tooLong };
  };

  test("joins lines across chunks, accepts CRLF, skips empty lines, keeps a last line without newline", () => {
    expect(split(['{"a"', ":1}\r\n\n", "2\n3"]).lines).toEqual(['{"a":1}', "2", "3"]);
  });

  test("drops a line that outgrows the limit, up to its end, and reports it once", () => {
    expect(split(["1\n0123456789", "abcdef", "ghij\n2\n"], 12)).toEqual({ lines: ["1", "2"], tooLong: [16] });
  });
});
