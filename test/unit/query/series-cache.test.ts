import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunView } from "../../../src/core/query/run-view";
import { SeriesAccumulator, type SeriesStats } from "../../../src/core/query/series";
import { flushSeriesCaches, seriesCache } from "../../../src/core/query/series-cache";
import { seriesCacheDir } from "../../../src/core/query/series-cache-file";
import { asNumber, type PathStep, parsePath, valuesAt } from "../../../src/core/query/value-paths";
import { decodeEnvelope, parseRecord } from "../../../src/core/record/decode";
import { trackedValue } from "../../../src/core/record/decode-context";
import { ensureStore } from "../../../src/core/store";
import { end, record, start, track } from "./run-lines";

const root = mkdtempSync(join(tmpdir(), "exprag-series-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let stores = 0;
let runs = 0;
function newStore(): string {
  const store = join(root, `store-${++stores}`);
  mkdirSync(join(store, "runs"), { recursive: true });
  return store;
}

/** A run file of run_start, the track values given (as JSON text), other lines as given, and run_end unless `ended` is false. */
function writeRun(store: string, lines: (id: string) => string[], ended = true): string {
  const id = `019a0000-0000-7000-8000-${(++runs).toString(16).padStart(12, "0")}`;
  const all = [start(id), ...lines(id), ...(ended ? [end(id)] : [])];
  writeFileSync(join(store, "runs", `${id}.jsonl`), `${all.join("\n")}\n`);
  return id;
}

const values =
  (...items: string[]) =>
  (id: string) =>
    items.map((value) => track(id, value));

/** Series chosen for what could differ: order of the sum, non-finite numbers, -0, gaps, duplicates, non-numbers. */
const cases: [string, (id: string) => string[]][] = [
  ["a plain series", values('{"metrics":{"acc":0.5,"loss":2}}', '{"metrics":{"acc":0.7,"loss":1}}', '{"metrics":{"acc":0.6,"loss":0.5}}')],
  [
    "a sum that depends on its order",
    values(...["0.1", "0.2", "0.3", "1e16", "1", "-1e16", "3.3333333333333335", "1e-300"].map((n) => `{"metrics":{"acc":${n}}}`)),
  ],
  [
    "non-finite numbers among finite ones",
    values(...["NaN", '"NaN"', "1e400", "-1e400", '"Infinity"', '"-Infinity"', "0.25", "-0.5"].map((n) => `{"metrics":{"acc":${n}}}`)),
  ],
  ["only NaN", values('{"metrics":{"acc":"NaN"}}', '{"metrics":{"acc":NaN}}')],
  ["only infinities", values('{"metrics":{"acc":"Infinity"}}', '{"metrics":{"acc":"-Infinity"}}')],
  ["finite numbers whose sum overflows", values('{"metrics":{"acc":1.7e308}}', '{"metrics":{"acc":1.7e308}}', '{"metrics":{"acc":-1.7e308}}')],
  ["negative zero first, last, min and max", values('{"metrics":{"acc":-0}}', '{"metrics":{"acc":0}}', '{"metrics":{"acc":-0}}')],
  ["a path present in some records only", values('{"metrics":{"loss":3}}', '{"metrics":{"acc":0.9}}', '{"other":1}', '{"metrics":{"acc":0.1,"loss":2}}')],
  [
    "non-numeric values",
    values(
      '{"metrics":{"acc":"0.5"}}',
      '{"metrics":{"acc":true}}',
      '{"metrics":{"acc":null}}',
      '{"metrics":{"acc":[1,2]}}',
      '{"metrics":{"acc":{"x":1}}}',
      '{"metrics":{"acc":0.3}}',
    ),
  ],
  ["duplicate keys", values('{"metrics":{"acc":0.1,"acc":0.9}}', '{"metrics":{"acc":0.95},"metrics":{"loss":2}}')],
  ["lists through []", values('{"layers":[{"loss":1},{"loss":2}],"metrics":{"acc":0.2}}', '{"layers":[{"loss":"NaN"},{"x":1}]}')],
  ["a number tracked alone", values("4", "5.5", '"Infinity"')],
  ["no track records", values()],
  [
    "lines that are not records (warned of), and other kinds",
    (id) => ["garbage", "", "{}", "[1]", record(id, "meta", '{"acc":5}'), track(id, '{"metrics":{"acc":0.4}}'), record(id, "note", '"x"'), "{torn"],
  ],
  [
    "meta and params records, though run_end counts none",
    (id) => [record(id, "meta", '{"lr":0.5}'), track(id, '{"metrics":{"acc":0.66}}'), record(id, "params", '{"batch":32}')],
  ],
];

const PATHS = ["metrics.acc", "metrics.loss", "missing.path", "layers[].loss", "value", "metrics"].map((text) => [text, parsePath(text)] as const);
const AGGREGATES = ["count", "first", "last", "min", "max", "mean"] as const;

/** The series as JSON.parse finds it line by line: what any read must agree with. */
function parsedStats(store: string, id: string, steps: PathStep[]): SeriesStats {
  const series = new SeriesAccumulator();
  for (const line of readFileSync(join(store, "runs", `${id}.jsonl`), "utf8").split("\n")) {
    const parsed = parseRecord(line);
    const tracked = parsed ? trackedValue(decodeEnvelope(parsed).kind, parsed.value) : undefined;
    if (tracked === undefined) continue;
    for (const value of valuesAt(tracked, steps)) if (asNumber(value) !== null) series.add(asNumber(value)!);
  }
  return series.stats();
}

type Answers = Record<string, SeriesStats> & { [OTHER]?: unknown };
const OTHER = Symbol("warnings, metadata and params");

/**
 * Each aggregate of each path, as a fresh view answers (inside one read of the file, as a
 * selection asks), with what it warned of and the run's metadata and params asked after.
 */
function answers(store: string, id: string): Answers {
  const warnings: string[] = [];
  const view = new RunView(store, id, (message) => warnings.push(message));
  const paths = PATHS.map(([, steps]) => steps as PathStep[]);
  const stats: Answers = view.withFile(() => {
    view.summary();
    view.scan(paths);
    return Object.fromEntries(PATHS.map(([text, steps]) => [text, view.seriesStats(steps as PathStep[])]));
  }, paths);
  stats[OTHER] = { warnings, metadata: view.metadata(), params: view.params() };
  return stats;
}

/** Equal to the bit: NaN is NaN, -0 is not 0; the same warnings, metadata and params when both have them. */
function expectSame(got: Answers, want: Answers): void {
  if (got[OTHER] && want[OTHER]) expect(got[OTHER]).toEqual(want[OTHER]);
  for (const [path] of PATHS) {
    for (const aggregate of AGGREGATES) {
      const [a, b] = [got[path]![aggregate], want[path]![aggregate]];
      if (!Object.is(a, b)) throw new Error(`${path} ${aggregate}: ${String(a)} (${Object.is(a, -0) ? "-0" : typeof a}) against ${String(b)}`);
    }
  }
}

const reference = (store: string, id: string) => Object.fromEntries(PATHS.map(([text, steps]) => [text, parsedStats(store, id, steps as PathStep[])]));
const shardFile = (store: string, id: string) => join(seriesCacheDir(store), `${id.slice(-1)}.json`);

beforeEach(() => flushSeriesCaches());

describe("the series cache answers as the full read, to the bit", () => {
  for (const [name, lines] of cases) {
    test(name, () => {
      const store = newStore();
      const id = writeRun(store, lines);
      const cold = answers(store, id);
      expectSame(cold, reference(store, id));
      flushSeriesCaches();
      expect(existsSync(shardFile(store, id))).toBe(true);
      const warm = answers(store, id);
      expectSame(warm, cold);
    });
  }

  test("a warm answer comes from the cache: an entry changed on disk is what it answers", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}', '{"metrics":{"acc":0.7}}'));
    expect(answers(store, id)["metrics.acc"]!.max).toBe(0.7);
    flushSeriesCaches();
    const file = shardFile(store, id);
    writeFileSync(file, readFileSync(file, "utf8").replace(",0.7,0.5,0.7,", ",0.7,0.5,0.99,"));
    expect(answers(store, id)["metrics.acc"]!.max).toBe(0.99);
  });

  test("a path's state is read only when asked for: another path's spoilt state leaves it answering from the cache", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5,"loss":2}}', '{"metrics":{"acc":0.7,"loss":1}}'));
    answers(store, id);
    flushSeriesCaches();
    const file = shardFile(store, id);
    const text = readFileSync(file, "utf8");
    const spoilt = text.replace(",0.7,0.5,0.7,", ",0.7,0.5,0.99,").replace(",1,2,2,1,1,2,3,2,", ',1,2,2,1,"one",2,3,2,');
    // Each spoiling took (the key's times may hold "0.99" too: count what was added).
    const added = (piece: string) => spoilt.split(piece).length - text.split(piece).length;
    expect([added(",0.99,"), added('"one"')]).toEqual([1, 1]);
    writeFileSync(file, spoilt);
    const ask = (path: string) => {
      const view = new RunView(store, id, () => {});
      const steps = parsePath(path);
      return view.withFile(() => {
        view.summary();
        return view.seriesStats(steps);
      }, [steps]);
    };
    expect(ask("metrics.acc").max).toBe(0.99);
    expect(ask("metrics.loss")).toEqual(parsedStats(store, id, parsePath("metrics.loss")));
  });

  test("a run file appended to after caching is read again, and its entry rewritten", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    answers(store, id);
    flushSeriesCaches();
    const before = readFileSync(shardFile(store, id), "utf8");
    appendFileSync(join(store, "runs", `${id}.jsonl`), `${track(id, '{"metrics":{"acc":0.9}}')}\n`);
    const fresh = answers(store, id);
    expectSame(fresh, reference(store, id));
    expect(fresh["metrics.acc"]!.count).toBe(2);
    flushSeriesCaches();
    expect(readFileSync(shardFile(store, id), "utf8")).not.toBe(before);
    expectSame(answers(store, id), reference(store, id));
  });

  test("a run file replaced by one of the same size is read again (a new inode, new times)", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    answers(store, id);
    flushSeriesCaches();
    const file = join(store, "runs", `${id}.jsonl`);
    const text = readFileSync(file, "utf8").replace('"acc":0.5', '"acc":0.6');
    rmSync(file);
    writeFileSync(file, text);
    expect(answers(store, id)["metrics.acc"]!.max).toBe(0.6);
  });

  test("a run without run_end is never cached (its file may still grow)", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'), false);
    expectSame(answers(store, id), reference(store, id));
    flushSeriesCaches();
    expect(existsSync(seriesCacheDir(store))).toBe(false);
  });

  test("a path asked for later is added to the run's entry", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5,"loss":3}}'));
    // A view caches what it reads once its summary says the run ended (a selection always asks it first).
    const view = new RunView(store, id, () => {});
    expect(view.seriesStats(parsePath("metrics.acc")).max).toBe(0.5);
    flushSeriesCaches();
    expect(existsSync(seriesCacheDir(store))).toBe(false);
    const asked = new RunView(store, id, () => {});
    asked.summary();
    expect(asked.seriesStats(parsePath("metrics.acc")).max).toBe(0.5);
    flushSeriesCaches();
    const later = new RunView(store, id, () => {});
    later.summary();
    expect(later.seriesStats(parsePath("metrics.loss")).max).toBe(3);
    flushSeriesCaches();
    const text = readFileSync(shardFile(store, id), "utf8");
    expect(text).toContain('\\"acc\\"');
    expect(text).toContain('\\"loss\\"');
  });
});

describe("a cache file that is not one this cache wrote is ignored", () => {
  const hostile: [string, (file: string) => void][] = [
    ["not JSON", (file) => writeFileSync(file, "{not json")],
    ["truncated", (file) => writeFileSync(file, readFileSync(file, "utf8").slice(0, 40))],
    ["empty", (file) => writeFileSync(file, "")],
    ["another version", (file) => writeFileSync(file, readFileSync(file, "utf8").replace('"version":2', '"version":3'))],
    [
      "the layout of version 1, with another answer in it",
      (file) => {
        const [[runId, key]] = JSON.parse(readFileSync(file, "utf8")).runs as [[string, string]];
        const paths = ['[{"key":"metrics"},{"key":"acc"}]'];
        writeFileSync(file, JSON.stringify({ version: 1, paths, runs: { [runId]: [key, 0, [0, 2, 0.5, 0.7, 0.5, 0.99, 1.2, 2]] } }));
      },
    ],
    ["foreign shapes", (file) => writeFileSync(file, JSON.stringify({ version: 2, paths: [1, null, "x"], runs: { a: 1, __proto__: [], b: [5] } }))],
    [
      "an entry under a name that is no run id",
      (file) => writeFileSync(file, readFileSync(file, "utf8").replace(/"runs":\[\["[^"]+"/, '"runs":[["__proto__"')),
    ],
    ["entries of other shapes", (file) => writeFileSync(file, readFileSync(file, "utf8").replace('"runs":[', '"runs":[1,null,[],[5],["a"],{"0":"x"},'))],
    [
      "runs an object by run id (the layout of version 1)",
      (file) =>
        writeFileSync(
          file,
          readFileSync(file, "utf8")
            .replace(/"runs":\[\[("[^"]+"),/, '"runs":{$1:[')
            .replace(/\]\]\}$/, "]}}"),
        ),
    ],
    ["paths that are no strings", (file) => writeFileSync(file, readFileSync(file, "utf8").replace(/"paths":\[.*?\],"runs"/, '"paths":[7,7,7,7,7,7],"runs"'))],
    ["a state of the wrong shape", (file) => writeFileSync(file, readFileSync(file, "utf8").replace(/",0,0,2,/, '",0,0,"two",'))],
    ["a path index out of range", (file) => writeFileSync(file, readFileSync(file, "utf8").replace(/",0,0,2,/, '",0,7,2,'))],
    ["an entry one number too long", (file) => writeFileSync(file, readFileSync(file, "utf8").replace(/\]\]\}$/, ",0]]}"))],
    ["an entry one number too short", (file) => writeFileSync(file, readFileSync(file, "utf8").replace(/,0\]\]\}$/, "]]}"))],
    ["a number written as a string", (file) => writeFileSync(file, readFileSync(file, "utf8").replace(",0.7,0.5,0.7,", ',0.7,0.5,"0.99",'))],
    ["more finite numbers than numbers", (file) => writeFileSync(file, readFileSync(file, "utf8").replace(",0.5,0.7,1.2,2,", ",0.5,0.7,1.2,3,"))],
    ["a skipped line that is no line number", (file) => writeFileSync(file, readFileSync(file, "utf8").replace(/",0,0,2,/, '",-1,0,2,'))],
    ["over the size bound", (file) => writeFileSync(file, " ".repeat(33 * 1024 * 1024))],
    [
      "a link to a file of the right shape elsewhere",
      (file) => {
        const elsewhere = `${file}.elsewhere`;
        writeFileSync(elsewhere, readFileSync(file, "utf8").replace(",0.7,0.5,0.7,", ",0.7,0.5,0.99,"));
        rmSync(file);
        symlinkSync(elsewhere, file);
      },
    ],
    [
      "a folder",
      (file) => {
        rmSync(file);
        mkdirSync(file);
      },
    ],
  ];
  for (const [name, spoil] of hostile) {
    test(`${name}: the run file is read, and the answer is the same`, () => {
      const store = newStore();
      const id = writeRun(store, values('{"metrics":{"acc":0.5}}', '{"metrics":{"acc":0.7}}'));
      const cold = answers(store, id);
      flushSeriesCaches();
      const file = shardFile(store, id);
      const before = readFileSync(file, "utf8");
      spoil(file);
      // Each case spoils the file (a pattern that no longer matches would test nothing).
      expect(lstatSync(file).isFile() ? readFileSync(file, "utf8") : "").not.toBe(before);
      const elsewhere = existsSync(`${file}.elsewhere`) ? readFileSync(`${file}.elsewhere`, "utf8") : null;
      expectSame(answers(store, id), cold);
      flushSeriesCaches();
      // The link is replaced, never written through.
      if (elsewhere !== null) expect(readFileSync(`${file}.elsewhere`, "utf8")).toBe(elsewhere);
    });
  }

  test("a spoilt file is replaced when the cache is next written", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    answers(store, id);
    flushSeriesCaches();
    writeFileSync(shardFile(store, id), "{not json");
    answers(store, id);
    flushSeriesCaches();
    expect(JSON.parse(readFileSync(shardFile(store, id), "utf8")).version).toBe(2);
    expect(readdirSync(seriesCacheDir(store)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});

describe("a cache that cannot be used costs only the read", () => {
  test("cache/ a link: nothing read or written through it", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    const elsewhere = join(root, `elsewhere-${stores}`);
    mkdirSync(join(elsewhere, "series"), { recursive: true });
    symlinkSync(elsewhere, join(store, "cache"));
    expectSame(answers(store, id), reference(store, id));
    flushSeriesCaches();
    expect(readdirSync(join(elsewhere, "series"))).toEqual([]);
  });

  test("cache/series a link: the same", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    const elsewhere = join(root, `elsewhere-${stores}`);
    mkdirSync(elsewhere);
    mkdirSync(join(store, "cache"));
    symlinkSync(elsewhere, join(store, "cache", "series"));
    expectSame(answers(store, id), reference(store, id));
    flushSeriesCaches();
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test("cache/ a file, so the folder cannot be made: the answer is the same", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    writeFileSync(join(store, "cache"), "mine");
    expectSame(answers(store, id), reference(store, id));
    flushSeriesCaches();
    expect(readFileSync(join(store, "cache"), "utf8")).toBe("mine");
  });

  test.skipIf(process.getuid?.() === 0)("a read-only store: the answer is the same, nothing is written", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    chmodSync(store, 0o555);
    try {
      expectSame(answers(store, id), reference(store, id));
      flushSeriesCaches();
      expect(existsSync(join(store, "cache"))).toBe(false);
    } finally {
      chmodSync(store, 0o755);
    }
  });

  test.skipIf(process.getuid?.() === 0)("a read-only cache folder: the answer is the same", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    answers(store, id);
    flushSeriesCaches();
    appendFileSync(join(store, "runs", `${id}.jsonl`), `${track(id, '{"metrics":{"acc":0.9}}')}\n`);
    chmodSync(seriesCacheDir(store), 0o555);
    try {
      expectSame(answers(store, id), reference(store, id));
      flushSeriesCaches();
    } finally {
      chmodSync(seriesCacheDir(store), 0o755);
    }
  });
});

describe("entries of runs that are gone", () => {
  test("forget drops a run's entry; prune drops those whose run file is gone", () => {
    const store = newStore();
    const ids = [0, 1, 2].map(() => writeRun(store, values('{"metrics":{"acc":0.5}}')));
    for (const id of ids) answers(store, id);
    flushSeriesCaches();
    const cache = seriesCache(store);
    cache.forget(ids[0]!);
    cache.flush();
    expect(existsSync(shardFile(store, ids[0]!))).toBe(false);
    rmSync(join(store, "runs", `${ids[1]}.jsonl`));
    const exists = (id: string) => existsSync(join(store, "runs", `${id}.jsonl`));
    expect(cache.prune(exists, true)).toBe(1);
    expect(existsSync(shardFile(store, ids[1]!))).toBe(true);
    expect(cache.prune(exists)).toBe(1);
    expect(existsSync(shardFile(store, ids[1]!))).toBe(false);
    expect(readFileSync(shardFile(store, ids[2]!), "utf8")).toContain(ids[2]!);
  });
});

describe("the store", () => {
  test("a store holding its cache but no runs/ yet (or any more) is still taken for a store", () => {
    const store = join(root, `store-${++stores}`);
    mkdirSync(join(store, "cache", "series"), { recursive: true });
    writeFileSync(join(store, ".gitignore"), "*\n");
    ensureStore(store, true);
    expect(existsSync(join(store, "runs"))).toBe(true);
  });

  test("a store another run is making this moment (its .gitignore still under its staged name) is taken for one", () => {
    const store = join(root, `store-${++stores}`);
    mkdirSync(join(store, "runs"), { recursive: true });
    writeFileSync(join(store, `..gitignore.${process.pid}.0123abcd.starting`), "*\n");
    ensureStore(store, true);
    // A folder of someone's files beside a runs/ is not.
    const theirs = join(root, `store-${++stores}`);
    mkdirSync(join(theirs, "runs"), { recursive: true });
    writeFileSync(join(theirs, "notes.md"), "mine\n");
    expect(() => ensureStore(theirs, true)).toThrow(/already holds files of its own beside runs/);
  });

  test("a folder of a cache/ alone is not taken for a store", () => {
    const store = join(root, `store-${++stores}`);
    mkdirSync(join(store, "cache"), { recursive: true });
    expect(() => ensureStore(store, true)).toThrow(/not an exprag store/);
    expect(existsSync(join(store, "runs"))).toBe(false);
  });
});

describe("withFile", () => {
  test("reads the file whole unless the cache holds every series asked for", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    const acc = parsePath("metrics.acc");
    const whole = (paths: PathStep[][]) => {
      const view = new RunView(store, id, () => {});
      return view.withFile(() => (view as unknown as { opened: { bytes?: Buffer } }).opened.bytes !== undefined, paths);
    };
    expect(whole([])).toBe(true);
    expect(whole([acc])).toBe(true);
    answers(store, id);
    flushSeriesCaches();
    expect(whole([])).toBe(true);
    expect(whole([acc])).toBe(false);
    expect(whole([acc, parsePath("never.asked")])).toBe(true);
  });
});

describe("writing", () => {
  test("a store deleted before the cache is written is not made again", () => {
    const store = newStore();
    const id = writeRun(store, values('{"metrics":{"acc":0.5}}'));
    answers(store, id);
    rmSync(store, { recursive: true });
    flushSeriesCaches();
    expect(existsSync(store)).toBe(false);
  });
});
