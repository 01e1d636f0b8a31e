import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunView } from "../../../src/core/query/run-view";
import { SeriesAccumulator } from "../../../src/core/query/series";
import { asNumber, parsePath, valuesAt } from "../../../src/core/query/value-paths";
import { decodeEnvelope, parseRecord } from "../../../src/core/record/decode";
import { trackedValue } from "../../../src/core/record/decode-context";
import { WHOLE_FILE_BYTES } from "../../../src/core/record/whole-file";
import { at, end, record, start as startLine, track } from "./run-lines";

const store = mkdtempSync(join(tmpdir(), "exprag-run-view-"));
mkdirSync(join(store, "runs"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

let runs = 0;
const start = (id: string) => startLine(id, '{"lr":0.1}');

/** A run file of run_start, `body`, and (unless torn) run_end; its id. */
function run(body: (id: string) => (string | Buffer)[], ending: "end" | "none" | "torn" = "end"): string {
  const id = `019a0000-0000-7000-8000-${(++runs).toString(16).padStart(12, "0")}`;
  const parts = [start(id), ...body(id), ...(ending === "end" ? [end(id)] : [])];
  const text = Buffer.concat(parts.map((part, i) => Buffer.concat([Buffer.from(part), Buffer.from(i < parts.length - 1 || ending !== "torn" ? "\n" : "")])));
  writeFileSync(join(store, "runs", `${id}.jsonl`), text);
  return id;
}

const hostile: [string, string][] = [
  ["a truncated last line", run((id) => [track(id, '{"metrics":{"acc":0.6}}'), track(id, '{"metrics":{"acc":0.7}}').slice(0, 90)], "torn")],
  [
    "duplicate keys",
    run((id) => [
      track(id, '{"metrics":{"acc":0.1,"acc":0.9}}'),
      track(id, '{"metrics":{"acc":0.95},"metrics":{"loss":2}}'),
      track(id, '{"metrics":{"acc":0.2}}').replace('"kind":"track"', '"kind":"meta","kind":"track"'),
    ]),
  ],
  [
    "a kind written twice, the last not track",
    run((id) => [track(id, '{"metrics":{"acc":0.3}}').replace('"kind":"track"', '"kind":"track","kind":"meta"'), track(id, '{"metrics":{"acc":0.5}}')]),
  ],
  [
    "non-finite numbers",
    run((id) => ["NaN", "Infinity", '"NaN"', "1e400", "-1e400", '"-Infinity"', "0.1234567890123456789012"].map((n) => track(id, `{"metrics":{"acc":${n}}}`))),
  ],
  [
    "lines that are not records",
    run((id) => [
      "[1,2]",
      '"text"',
      "garbage",
      "",
      " ",
      "null",
      "{}",
      '{"kind":"track","value":{"metrics":{"acc":0.99}}}',
      "{bad",
      track(id, '{"metrics":{"acc":[0.1,0.2]}}'),
      track(id, '{"metrics":{"acc":{"x":1}}}'),
      track(id, '{"metrics":{"acc":true}}'),
      track(id, '"x"'),
    ]),
  ],
  [
    "escapes",
    run((id) => [
      track(id, '{"metrics":{"ac\\u0063":0.91}}'),
      track(id, '{"metrics":{"acc":0.52}}').replace('"kind":"track"', '"kind":"tr\\u0061ck"'),
      track(id, '{"m\\u0065trics":{"acc":0.4}}'),
    ]),
  ],
  [
    "invalid UTF-8",
    run((id) => [
      Buffer.concat([Buffer.from(track(id, '{"metrics":{"acc":0.6},"s":"').slice(0, -1)), Buffer.from([0xff, 0xc3]), Buffer.from(`"}${at}`)]),
      track(id, '{"metrics":{"acc":0.7}}'),
    ]),
  ],
  [
    "meta and params records",
    run((id) => [record(id, "meta", '{"lr":0.5}'), track(id, '{"metrics":{"acc":0.66}}'), record(id, "params", '{"batch":32}')], "none"),
  ],
  [
    "a huge line in a file read whole",
    run((id) => [track(id, `{"pad":"${"x".repeat(300_000)}","metrics":{"acc":0.77}}`), track(id, '{"metrics":{"acc":0.55}}')]),
  ],
  [
    "a file over the whole-read bound",
    run((id) => [track(id, `{"pad":"${"y".repeat(WHOLE_FILE_BYTES)}","metrics":{"acc":0.88}}`), track(id, '{"metrics":{"acc":0.58}}')]),
  ],
  ["a last line over 64 KiB, torn", run((id) => [track(id, '{"metrics":{"acc":0.61}}'), `{"pad":"${"z".repeat(70_000)}"`], "torn")],
  [
    "deep nesting and CRLF",
    run((id) => [
      `${track(id, '{"metrics":{"acc":0.62}}')}\r`,
      track(id, `{"metrics":{"acc":0.64},"deep":${"[".repeat(40)}${"]".repeat(40)}}`),
      track(id, `{"deep":${"[".repeat(600)}${"]".repeat(600)}}`),
    ]),
  ],
  ["only run_start", run(() => [], "none")],
];

const acc = parsePath("metrics.acc");

/** What JSON.parse finds line by line: the reference every faster read must agree with. */
function parsedStats(id: string) {
  const series = new SeriesAccumulator();
  const text = require("node:fs").readFileSync(join(store, "runs", `${id}.jsonl`), "utf8") as string;
  for (const line of text.split("\n")) {
    const parsed = parseRecord(line);
    const tracked = parsed ? trackedValue(decodeEnvelope(parsed).kind, parsed.value) : undefined;
    if (tracked === undefined) continue;
    for (const value of valuesAt(tracked, acc)) if (asNumber(value) !== null) series.add(asNumber(value)!);
  }
  return series.stats();
}

function facts(id: string, oneRead: boolean) {
  const warnings: string[] = [];
  const view = new RunView(store, id, (message) => warnings.push(message));
  const read = () => {
    const summary = view.summary();
    view.scan([acc]);
    return { summary, stats: view.seriesStats(acc), metadata: view.metadata(), params: view.params() };
  };
  const got = oneRead ? view.withFile(read) : read();
  return { ...got, warnings };
}

describe("a run file read once for its summary and its series", () => {
  for (const [name, id] of hostile) {
    test(`${name}: reads as the summary and the scan read it apart, and as JSON.parse reads each line`, () => {
      const apart = facts(id, false);
      const once = facts(id, true);
      expect(once).toEqual(apart);
      expect(once.stats).toEqual(parsedStats(id));
    });
  }

  test("the file is not held after the read: later questions read it again", () => {
    const [, id] = hostile[7]!;
    const view = new RunView(store, id, () => {});
    view.withFile(() => view.summary());
    expect(view.metadata()).toEqual({ lr: 0.5 });
    expect(view.seriesStats(acc).count).toBe(1);
  });
});
