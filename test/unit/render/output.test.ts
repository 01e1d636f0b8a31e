import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const output = join(import.meta.dir, "../../../src/render/output.ts");

/** What a DataStream fed `pieces` (then ended with `last`) writes to stdout, from a process of its own. */
function streamed(pieces: string[], last = ""): Buffer {
  const script = `import { DataStream } from ${JSON.stringify(output)};
const { pieces, last } = JSON.parse(await Bun.stdin.text());
const out = new DataStream();
for (const piece of pieces) out.write(piece);
out.end(last);`;
  const result = Bun.spawnSync([process.execPath, "-e", script], { stdin: Buffer.from(JSON.stringify({ pieces, last })), stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  return result.stdout;
}

describe("DataStream", () => {
  test("writes the bytes of the joined text: many small pieces, pieces past its buffer, one larger than it", () => {
    const pieces = ["[", ...Array.from({ length: 5000 }, (_, i) => `${i ? "," : ""}{"n":${i},"text":"é ü ✓ ${"x".repeat(i % 97)}"}`), "y".repeat(300_000), "z"];
    expect(streamed(pieces, "]\n").equals(Buffer.from(`${pieces.join("")}]\n`))).toBe(true);
  });

  test("a character cut between two pieces (a surrogate pair) is written whole, a lone surrogate as the joined text has it", () => {
    const face = "\u{1F600}";
    const pieces = ["a", face[0]!, face[1]!, "b", "\ud800", "c", face[0]!];
    expect(streamed(pieces).equals(Buffer.from(pieces.join("")))).toBe(true);
    expect(streamed(pieces, face[1]).equals(Buffer.from(`${pieces.join("")}${face[1]}`))).toBe(true);
    expect(streamed([]).length).toBe(0);
  });
});
