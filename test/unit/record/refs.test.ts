import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { resolveRunRef, shortId } from "../../../src/core/record/refs";
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
