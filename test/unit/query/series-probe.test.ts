import { describe, expect, test } from "bun:test";
import { SeriesProbe } from "../../../src/core/query/series-probe";
import { asNumber, type PathStep, parsePath, valuesAt } from "../../../src/core/query/value-paths";
import { decodeEnvelope, parseRecord } from "../../../src/core/record/decode";
import { trackedValue } from "../../../src/core/record/decode-context";

/** What the JSON.parse path finds: the numbers at each path of a record line, or null when it is no record. */
function parsed(line: string, paths: PathStep[][]): number[][] | null {
  const record = parseRecord(line);
  if (!record) return null;
  const envelope = decodeEnvelope(record);
  const tracked = trackedValue(envelope.kind, envelope.value);
  return paths.map((steps) => (tracked === undefined ? [] : valuesAt(tracked, steps).flatMap((value) => (asNumber(value) === null ? [] : [asNumber(value)!]))));
}

/** What the probe finds, or "parse" when it leaves the line to JSON.parse. */
function probed(line: string | Buffer, paths: PathStep[][], parsedKinds: string[] = []): number[][] | "parse" {
  const probe = SeriesProbe.of(paths, parsedKinds)!;
  const found = paths.map(() => [] as number[]);
  // The line sits inside a larger buffer, as it does in a chunk of the file.
  const bytes = Buffer.concat([Buffer.from('{"before":1}\n'), Buffer.from(line), Buffer.from('\n{"kind":"track","value":{"metrics":{"acc":9}}}')]);
  const start = 13;
  const end = start + Buffer.from(line).length;
  return probe.read(bytes, start, end, (i, n) => found[i]!.push(n)) ? found : "parse";
}

const env = (kind: unknown, value: string, extra = "") =>
  `{"schema_version":1,"run_id":"r","experiment_name":"e","kind":${JSON.stringify(kind)}${extra},"value":${value},"created_at":"2026-01-01T00:00:00.000Z","elapsed_ms":1}`;

const paths = [parsePath("metrics.acc"), parsePath("step"), parsePath("value.loss")];

const lines: string[] = [
  env("track", '{"step":3,"metrics":{"loss":0.5,"acc":0.9},"loss":1}'),
  env("track", '{"step":3,"metrics":{"acc":"NaN"},"loss":"-Infinity"}'),
  env("track", '{"metrics":{"acc":"nan"},"loss":"Infinity"}'),
  env("track", '{"metrics":{"acc":{"x":1}}}'),
  env("track", '{"metrics":{"acc":[1,2]}}'),
  env("track", '{"metrics":{"acc":null,"b":true},"step":false}'),
  env("track", '{"metrics":[{"acc":1}]}'),
  env("track", '{"metrics":5,"step":1}'),
  env("track", "[1,2,3]"),
  env("track", "7"),
  env("track", '{"metrics":{"acc":1}}', ',"value":{"metrics":{"acc":2}}'),
  `${env("track", '{"metrics":{"acc":1}}')}`.replace('"elapsed_ms":1}', '"elapsed_ms":1,"value":{}}'),
  env("track", '{"metrics":{"acc":1},"metrics":{"loss":2}}'),
  env("track", '{"metrics":{"acc":1,"acc":2}}'),
  env("track", '{"metrics":{"acc":{"a":1},"acc":2}}'),
  env("track", '{"metrics":{"acc":2,"acc":{"a":1}}}'),
  env("track", '{"metrics":{"acc":1}}', ',"kind":"meta"'),
  env("meta", '{"metrics":{"acc":1}}', ',"kind":"track"'),
  env("track", '{"m\\u0065trics":{"acc":1},"metrics":{"acc":2}}'),
  env("track", '{"metrics":{"\\u0061cc":1,"acc":2}}'),
  env("tr\\u0061ck", '{"metrics":{"acc":1}}').replace('"tr\\\\u0061ck"', '"tr\\u0061ck"'),
  env(5, '{"metrics":{"acc":1}}'),
  env(null, '{"metrics":{"acc":1}}'),
  env({ k: 1 }, '{"metrics":{"acc":1}}'),
  env("meta", '{"metrics":{"acc":1}}'),
  env("params", '{"step":1}'),
  env("system", '{"metrics":{"acc":1}}'),
  env("note", '{"metrics":{"acc":1}}'),
  env("track", '{"metrics":{"acc":NaN}}'),
  env("track", '{"metrics":{"acc":Infinity}}'),
  env("track", '{"metrics":{"acc":1e400,"x":1},"step":-0,"loss":5e-324}'),
  env("track", '{"metrics":{"acc":0.12345678901234567},"step":1E5,"loss":-1.5e-7}'),
  env("track", '{"metrics":{"acc":123456789012345678901234567890},"step":01}'),
  env("track", '{"metrics":{"acc":1.},"step":.5}'),
  env("track", '{"metrics":{"acc":0.1}}  '),
  `  ${env("track", '{"metrics":{"acc":0.1}}')}`,
  `${env("track", '{"metrics":{"acc":0.1}}')}\r`,
  `${env("track", '{"metrics":{"acc":0.1}}')} x`,
  env("track", '{"metrics":{"acc":0.1}'),
  env("track", '{"note":"value \\"metrics\\" acc","metrics":{"acc":0.25}}'),
  env("track", '{"metrics":{"acc":0.5}}', ',"$note":"x"'),
  env("track", `${'{"a":'.repeat(40)}1${"}".repeat(40)}`),
  env("track", '{"__proto__":{"acc":1},"metrics":{"__proto__":2,"acc":3}}'),
  "[]",
  "{}",
  "",
  "not json",
  '{"kind":"track","value":{"metrics":{"acc":1}}',
];

describe("SeriesProbe reads a stored line as JSON.parse does", () => {
  test("each edge and hostile line: the same numbers, or the line left to JSON.parse", () => {
    for (const line of lines) {
      const fast = probed(line, paths);
      const slow = parsed(line, paths);
      if (fast === "parse") continue;
      expect({ line, found: fast }).toEqual({ line, found: slow! });
    }
  });

  test("bytes that are not UTF-8 are left to the parse path", () => {
    const line = Buffer.concat([Buffer.from(env("track", '{"metrics":{"acc":1},"s":"')), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(probed(line, paths)).toBe("parse");
  });

  test("ordinary track lines are read from the bytes, not parsed", () => {
    for (const line of [lines[0]!, lines[1]!, lines[31]!, env("note", "{}")]) expect(probed(line, paths)).not.toBe("parse");
    // A number that may be too large to be finite is read by JSON.parse, exactly.
    expect(probed(lines[30]!, paths)).toBe("parse");
  });

  test("a key the paths go through written twice is read from the bytes as JSON.parse reads it: the last one wins", () => {
    for (const index of [10, 11, 12, 13]) expect({ index, got: probed(lines[index]!, paths) }).toEqual({ index, got: parsed(lines[index]!, paths)! });
  });

  test("an escaped watched key and a watched list are parsed", () => {
    for (const index of [18, 19, 4, 3]) expect({ index, got: probed(lines[index]!, paths) }).toEqual({ index, got: "parse" });
  });

  test("kinds the caller merges are left to the parse path; other kinds add nothing", () => {
    expect(probed(env("meta", '{"x":1}'), paths, ["meta"])).toBe("parse");
    expect(probed(env("params", '{"x":1}'), paths, ["meta", "params"])).toBe("parse");
    expect(probed(env("meta", '{"x":1}'), paths)).toEqual([[], [], []]);
  });

  test("paths through lists or into system samples get no probe", () => {
    expect(SeriesProbe.of([parsePath("layers[].loss")])).toBeNull();
    expect(SeriesProbe.of([parsePath("system.rss_bytes")])).toBeNull();
  });
});
