import { describe, expect, test } from "bun:test";
import { isUuidV7, runIdTime } from "../../../src/core/record/refs";
import { RUN_ID } from "../../../src/core/record/untrusted";
import { attemptRunId } from "../../../src/core/slurm/requeue";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A UUIDv7 of time `time` whose 12 bits after the version are `randA`, the rest random. */
function uuidV7(time: number, randA: number): string {
  const random = Bun.randomUUIDv7().replace(/-/g, "").slice(16);
  const hex = `${time.toString(16).padStart(12, "0")}7${randA.toString(16).padStart(3, "0")}${random}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const randomTime = () => Math.floor(Math.random() * 2 ** 47);
const randomRandA = () => Math.floor(Math.random() * 0x1000);

describe("the run id of a requeued attempt", () => {
  test("is a UUIDv7 of the first's time, the same for the same attempt, another for each attempt", () => {
    const first = "01a244c1-8a83-74a6-b628-aaf0cfa02676";
    const [one, two] = [attemptRunId(first, 1), attemptRunId(first, 2)];
    expect(isUuidV7(one)).toBe(true);
    expect(isUuidV7(two)).toBe(true);
    expect(runIdTime(one)).toBe(runIdTime(first));
    expect(attemptRunId(first, 1)).toBe(one);
    expect(new Set([first, one, two]).size).toBe(3);
    expect(one.slice(0, 14)).toBe(first.slice(0, 14));
  });

  test("sorts after the first and each attempt after the one before, whatever the first's random bits", () => {
    const firsts = [
      ...Array.from({ length: 500 }, () => uuidV7(randomTime(), randomRandA())),
      ...Array.from({ length: 50 }, () => uuidV7(randomTime(), 0xfff)),
      ...Array.from({ length: 50 }, () => uuidV7(randomTime(), 0xff0 + Math.floor(Math.random() * 16))),
      uuidV7(randomTime(), 0),
      "01a244c1-8a83-7fff-bfff-ffffffffffff",
      "01a244c1-8a83-7000-8000-000000000000",
      Bun.randomUUIDv7(),
    ];
    for (const first of firsts) {
      let before = first;
      for (let attempt = 1; attempt <= 16; attempt++) {
        const id = attemptRunId(first, attempt);
        expect(id).toMatch(UUID_V7);
        expect(RUN_ID.test(id)).toBe(true);
        expect(id > before).toBe(true);
        expect(attemptRunId(first, attempt)).toBe(id);
        before = id;
      }
    }
  });

  test("a first whose counter is full carries into the next millisecond", () => {
    const first = "01a244c1-8a83-7fff-b628-aaf0cfa02676";
    const [one, two] = [attemptRunId(first, 1), attemptRunId(first, 2)];
    expect(one.slice(0, 18)).toBe("01a244c1-8a84-7000");
    expect(two.slice(0, 18)).toBe("01a244c1-8a84-7001");
    expect(runIdTime(one)).toBe(runIdTime(first) + 1);
    expect([two, one, first].sort()).toEqual([first, one, two]);
  });

  test("attempts of two firsts stay apart", () => {
    const first = Bun.randomUUIDv7();
    const other = `${first.slice(0, 19)}${first[19] === "8" ? "9" : "8"}${first.slice(20)}`;
    const ids = [first, other, ...[1, 2, 3].flatMap((attempt) => [attemptRunId(first, attempt), attemptRunId(other, attempt)])];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
