import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveReadableRun, resolveRunRef, shortId, whyNotARun } from "../../../src/core/record/refs";
import { tempDir } from "../../temp-dir";
import { failureOf } from "../failure";

const store = "/store";
const ids = [
  "01900000-0000-7000-8000-00000000aaaa",
  "01900000-0000-7000-8000-0000000bbbb1",
  "01900000-0000-7000-8000-0000000bbbb2",
  "01910000-0000-7000-8000-00000000cccc",
];
const file = (id: string) => join(store, "runs", `${id}.jsonl`);

const failure = (reference: string, list = ids) => failureOf(() => resolveRunRef(store, reference, list));

describe("run references", () => {
  test.each([
    ["latest", ids[3]],
    ["latest~0", ids[3]],
    ["latest~3", ids[0]],
    [ids[1]!, ids[1]],
    [ids[1]!.toUpperCase(), ids[1]],
    ["0191", ids[3]],
    ["01910000-0000", ids[3]],
    ["0000aaaa", ids[0]],
    ["000bbbb1", ids[1]],
  ])("%p is %p", (reference, id) => {
    expect(resolveRunRef(store, reference, ids)).toEqual({ runId: id!, file: file(id!) });
  });

  test("the short id is the last 8 hex digits", () => {
    expect(shortId(ids[0]!)).toBe("0000aaaa");
  });

  test("the short id of an id with a dash among its last 8 characters is its last 8 without dashes", () => {
    for (const id of ["run-1234-5678", "a-b", "-", "", "abcd-efgh-ijk", "1234567-", "12345678", "0-1-2-3-4-5-6-7-8-9"])
      expect(shortId(id)).toBe(id.replace(/-/g, "").slice(-8));
  });

  test.each([
    ["latest~4", [1, "latest~4: there are only 4 runs"]],
    ["0190", [1, `'0190' matches 3 runs: ${ids.slice(0, 3).join(", ")}`]],
    ["ffff", [1, "no run matches 'ffff' in /store"]],
    ["abc", [2, "'abc' is not a run reference"]],
    ["latest~x", [2, "'latest~x' is not a run reference"]],
    ["../etc", [2, "'../etc' is not a run reference"]],
  ] as const)("%p fails: %p", (reference, expected) => {
    expect(failure(reference)).toEqual([...expected]);
  });

  test("latest in an empty store says how to start a run", () => {
    expect(failure("latest", [])).toEqual([1, "no runs in /store"]);
  });
});

describe("a file named like a run that holds none", () => {
  const RUN_START = `${JSON.stringify({ kind: "run_start", run_id: ids[0], value: {} })}\n`;

  test("holds a run when it is empty or begins with a run_start record, and not otherwise", () => {
    const dir = tempDir();
    const at = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    expect(whyNotARun(at("empty", ""))).toBeNull();
    expect(whyNotARun(at("started", RUN_START))).toBeNull();
    expect(whyNotARun(at("unended", RUN_START.slice(0, -1)))).toBeNull();
    expect(whyNotARun(at("garbage", "garbage\n"))).toBe("no run_start record");
    expect(whyNotARun(at("track-first", `${JSON.stringify({ kind: "track", value: {} })}\n${RUN_START}`))).toBe("no run_start record");
    expect(whyNotARun(at("newline", "\n"))).toBe("no run_start record");
    mkdirSync(join(dir, "folder"));
    expect(whyNotARun(join(dir, "folder"))).toBe("not a regular file");
    symlinkSync(join(dir, "started"), join(dir, "link"));
    expect(whyNotARun(join(dir, "link"))).toBeNull();
    expect(whyNotARun(join(dir, "missing"))).toBe("ENOENT");
  });

  test("is refused by a command about one run, where latest~N still counts it", () => {
    const store = tempDir();
    const runs = join(store, "runs");
    mkdirSync(runs);
    writeFileSync(file(ids[0]!).replace("/store", store), RUN_START);
    writeFileSync(file(ids[3]!).replace("/store", store), "garbage\n");
    expect(resolveReadableRun(store, "latest~1")).toEqual({ runId: ids[0]!, file: join(runs, `${ids[0]}.jsonl`) });
    expect(failureOf(() => resolveReadableRun(store, "latest"))).toEqual([
      1,
      `${join(runs, `${ids[3]}.jsonl`)} is not a readable run file (no run_start record)`,
    ]);
  });
});
