import { afterAll, describe, expect, test } from "bun:test";
import { formatAgo, formatCommit, formatDuration, formatLocalTime, formatNumber } from "../../../src/render/format";
import { renderRows } from "../../../src/render/table";

describe("formatNumber", () => {
  test.each([
    [0, "0"],
    [42, "42"],
    [-3, "-3"],
    [0.1 + 0.2, "0.3"],
    [0.123456789, "0.123457"],
    [123456.789, "123457"],
    [1e6 + 0.5, "1.0000e+6"],
    [0.00001234, "1.2340e-5"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
    [Number.NEGATIVE_INFINITY, "-Infinity"],
  ])("%p reads %p", (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe("formatDuration and formatCommit", () => {
  test.each([
    [null, ""],
    [0, "0.0s"],
    [1234, "1.2s"],
    [59_999, "60.0s"],
    [61_000, "1m01s"],
    [3_599_000, "59m59s"],
    [3_660_000, "1h01m"],
    [9_999_999 * 3_600_000, "9999999h00m"],
    [1e308, "2.7778e+301h"],
    [Number.POSITIVE_INFINITY, "Infinityh"],
  ])("%p ms reads %p", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test("a commit's first digits, with * when dirty", () => {
    expect(formatCommit("0123456789abcdef", false)).toBe("01234567");
    expect(formatCommit("0123456789abcdef", true, 12)).toBe("0123456789ab*");
    expect(formatCommit(null, true)).toBe("");
  });
});

describe("the table renderer", () => {
  const rows = [
    { name: "a", n: 1 },
    { name: "longer\tname", n: 100 },
  ];
  const columns = [
    { header: "name", value: (r: (typeof rows)[number]) => r.name },
    { header: "n", value: (r: (typeof rows)[number]) => String(r.n), align: "right" as const },
  ];

  test("tab-separated: a header row, tabs and newlines inside cells become spaces, nothing cut", () => {
    expect(renderRows(rows, columns, "tsv")).toBe("name\tn\na\t1\nlonger\\tname\t100\n");
  });

  test("a table: columns aligned, numbers to the right, no trailing spaces", () => {
    const plain = renderRows(
      rows.map((r) => ({ ...r, name: r.name.replace("\t", " ") })),
      columns,
      "table",
    );
    expect(Bun.stripANSI(plain)).toBe("name           n\na              1\nlonger name  100\n");
  });
});

describe("times at a terminal", () => {
  const zone = process.env.TZ;
  afterAll(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  test.each([
    ["Europe/Paris", "2026-12-01T19:45:01.250Z", "2026-12-01 20:45:01 +01:00"],
    ["Europe/Paris", "2026-07-01T19:45:01Z", "2026-07-01 21:45:01 +02:00"],
    ["America/St_Johns", "2026-12-01T03:00:00Z", "2026-11-30 23:30:00 -03:30"],
    ["UTC", "2026-12-01T19:45:01Z", "2026-12-01 19:45:01 +00:00"],
  ])("in %p, %p reads %p", (tz, iso, expected) => {
    process.env.TZ = tz;
    expect(formatLocalTime(iso)).toBe(expected);
  });

  const now = Date.parse("2026-12-01T12:00:00Z");
  test.each([
    ["2026-12-01T12:00:00Z", "0s ago"],
    ["2026-12-01T11:59:15Z", "45s ago"],
    ["2026-12-01T11:57:00Z", "3m ago"],
    ["2026-12-01T09:00:00Z", "3h ago"],
    ["2026-11-29T11:00:00Z", "2d ago"],
    ["2026-11-02T12:00:00Z", "29d ago"],
    ["2026-10-01T23:30:00Z", "2026-10-02"],
    ["2026-12-01T12:00:30Z", "0s ago"],
    ["2026-12-03T12:00:00Z", "2026-12-03 13:00"],
    ["not a time", "not a time"],
  ])("%p reads %p in a list, as gh shows it", (iso, expected) => {
    process.env.TZ = "Europe/Paris";
    expect(formatAgo(iso, now)).toBe(expected);
  });
});
