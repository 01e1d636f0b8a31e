import { describe, expect, test } from "bun:test";
import { parseCount, parseLimit } from "../../../src/core/query/selection-flags";
import { parseSize } from "../../../src/core/sizes";
import { longTimeout, parseWhen } from "../../../src/core/time";
import { failureOf } from "../failure";

describe("parseWhen (--since, --until)", () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  test.each([
    ["30s", now - 30e3],
    ["90m", now - 90 * 60e3],
    ["90min", now - 90 * 60e3],
    ["2h", now - 2 * 3600e3],
    ["1.5h", now - 1.5 * 3600e3],
    ["3d", now - 3 * 86400e3],
    ["2w", now - 14 * 86400e3],
    [" 2H ", now - 2 * 3600e3],
    ["2026-11-01T09:30:00Z", Date.UTC(2026, 10, 1, 9, 30)],
    ["2026-11-01T09:30:00.250+02:00", Date.UTC(2026, 10, 1, 7, 30, 0, 250)],
    ["2026-11-01 09:30Z", Date.UTC(2026, 10, 1, 9, 30)],
  ])("%p", (text, expected) => {
    expect(parseWhen(text, "--since", now)).toBe(expected);
  });

  test("a date alone is local midnight, as a date-time without a zone is local time", () => {
    expect(parseWhen("2026-11-01", "--since", now)).toBe(new Date(2026, 10, 1).getTime());
    expect(parseWhen("2026-11-01T09:30", "--since", now)).toBe(new Date(2026, 10, 1, 9, 30).getTime());
  });

  test.each([
    "5",
    "2001",
    "yesterday",
    "3 days",
    "2h ago",
    "-2h",
    "2026-13-45x",
    "",
    "2026/11/01",
    "2026-02-30",
    "2026-11-31",
    "2025-02-29T10:00Z",
    "2026-00-10",
    "2026-13-01",
  ])("%p is a usage error naming the option", (text) => {
    expect(failureOf(() => parseWhen(text, "--until", now))).toEqual([
      2,
      `--until expects a span such as 90m, 2h, 3d, 2w or a date such as 2026-11-01, got "${text}"`,
    ]);
  });
});

describe("longTimeout (--time-limit, --stop-grace, wait --timeout)", () => {
  const fired = (ms: number, step?: number) => {
    const at = { time: null as number | null };
    const start = performance.now();
    const timer = longTimeout(() => (at.time = performance.now() - start), ms, step);
    return { at, timer };
  };

  test("a delay past the runtime's 24.8 days does not fire at once", async () => {
    const { at, timer } = fired(30 * 86_400_000);
    await Bun.sleep(50);
    expect(at.time).toBeNull();
    timer.clear();
  });

  test("a delay longer than one step is re-armed until it is due, and a cleared one never fires", async () => {
    const { at } = fired(60, 20);
    const cleared = fired(60, 20);
    await Bun.sleep(10);
    cleared.timer.clear();
    while (at.time === null) await Bun.sleep(5);
    expect(at.time).toBeGreaterThanOrEqual(50);
    await Bun.sleep(80);
    expect(cleared.at.time).toBeNull();
  });

  test("an unref'd timer does not keep the process alive, re-armed or not", () => {
    const script =
      "import { longTimeout } from './src/core/time'; longTimeout(() => console.log('fired'), 2 ** 32).unref(); longTimeout(() => console.log('fired'), 5000, 10).unref();";
    const result = Bun.spawnSync([process.execPath, "-e", script], { cwd: `${import.meta.dir}/../../..`, stdout: "pipe", stderr: "pipe" });
    expect({ code: result.exitCode, out: result.stdout.toString() }).toEqual({ code: 0, out: "" });
  });
});

describe("parseSize (--snapshot-max-size)", () => {
  test.each([
    ["1048576", 1048576],
    ["10M", 10 * 1024 ** 2],
    ["10m", 10 * 1024 ** 2],
    ["500K", 500 * 1024],
    ["500KiB", 500 * 1024],
    ["1.5G", 1.5 * 1024 ** 3],
    ["2gb", 2 * 1024 ** 3],
    ["0", 0],
    [" 7 b ", 7],
  ])("%p", (text, bytes) => {
    expect(parseSize(text, "--snapshot-max-size")).toBe(bytes);
  });

  test.each(["", "M", "10T", "-1M", "ten", "1e3"])("%p is a usage error", (text) => {
    expect(failureOf(() => parseSize(text, "--snapshot-max-size"))).toEqual([
      2,
      `--snapshot-max-size expects a size such as 10M, 500K or 1048576, got "${text}"`,
    ]);
  });
});

describe("parseLimit and parseCount (--limit, --tail)", () => {
  test("the default, a number, and --all for no limit", () => {
    expect(parseLimit({})).toBe(20);
    expect(parseLimit({}, 5)).toBe(5);
    expect(parseLimit({ limit: "3" })).toBe(3);
    expect(parseLimit({ limit: "3", all: true })).toBe(Number.POSITIVE_INFINITY);
  });

  test.each(["0", "-1", "1.5", "abc", "1e3", "", "99999999999999999999"])("%p is a usage error", (text) => {
    expect(failureOf(() => parseCount(text, "--tail"))).toEqual([2, `--tail must be a positive whole number, got "${text}"`]);
  });
});
