import { afterEach, describe, expect, test } from "bun:test";
import { renderRows } from "../../../src/render/table";
import { cutToWidth, fitWidths, outputWidth } from "../../../src/render/width";

describe("cutting and fitting", () => {
  test.each([
    ["baseline", 8, "baseline"],
    ["baseline", 7, "baseli…"],
    ["baseline", 1, "…"],
    ["baseline", 0, ""],
    ["漢字のラベル", 7, "漢字の…"],
    ["漢字のラベル", 6, "漢字…"],
    ["e\u0301e\u0301e\u0301", 2, "e\u0301…"],
    ["👩‍👩‍👧 family", 4, "👩‍👩‍👧 …"],
  ])("%p cut to %p columns is %p", (text, width, expected) => {
    expect(cutToWidth(text, width)).toBe(expected);
    expect(Bun.stringWidth(cutToWidth(text, width))).toBeLessThanOrEqual(width);
  });

  test("widths that fit are kept", () => {
    expect(fitWidths([8, 20, 4], [false, true, false], 80)).toEqual([8, 20, 4]);
    expect(fitWidths([8, 20, 4], [false, true, false], 36)).toEqual([8, 20, 4]);
  });

  test("flexible columns share the room the others leave: narrow ones keep their width", () => {
    // 8 + 2 + 4 fixed with three gaps of 2: 40 - 20 = 20 for the flexible ones.
    expect(fitWidths([8, 50, 6, 30, 4], [false, true, true, true, false], 40)).toEqual([8, 7, 6, 7, 4]);
    expect(fitWidths([10, 50, 40], [false, true, true], 60)).toEqual([10, 23, 23]);
    expect(fitWidths([10, 50, 41], [false, true, true], 61)).toEqual([10, 23, 24]);
  });

  test("flexible columns keep the minimum while there is room, then go down to one column", () => {
    expect(fitWidths([10, 50, 50], [false, true, true], 30)).toEqual([10, 8, 8]);
    expect(fitWidths([10, 50, 50], [false, true, true], 22)).toEqual([10, 4, 4]);
    expect(fitWidths([30, 50, 30], [false, true, false], 40)).toEqual([30, 1, 30]);
    expect(fitWidths([30, 3, 30], [false, true, false], 40)).toEqual([30, 1, 30]);
  });
});

describe("the terminal's width", () => {
  const saved = process.env.COLUMNS;
  afterEach(() => {
    if (saved === undefined) delete process.env.COLUMNS;
    else process.env.COLUMNS = saved;
  });

  test("COLUMNS wins when it is a positive number", () => {
    expect(outputWidth(1, { COLUMNS: "42" })).toBe(42);
    for (const bad of ["0", "-5", "wide", ""]) expect(outputWidth(-1, { COLUMNS: bad })).toBeNull();
  });

  test("a table at a terminal fits: flexible cells are cut with …; TSV is never cut", () => {
    process.env.COLUMNS = "30";
    const rows = [
      { id: "3f9c2a1b", name: "a-very-long-experiment-name", n: 12 },
      { id: "8d01e4c7", name: "short", n: 3 },
    ];
    const columns = [
      { header: "id", value: (r: (typeof rows)[number]) => r.id },
      { header: "name", value: (r: (typeof rows)[number]) => r.name, flex: true as const },
      { header: "n", value: (r: (typeof rows)[number]) => String(r.n), align: "right" as const },
    ];
    const table = Bun.stripANSI(renderRows(rows, columns, "table"));
    expect(table).toBe(["id        name               n", "3f9c2a1b  a-very-long-exp…  12", "8d01e4c7  short              3", ""].join("\n"));
    for (const line of table.split("\n")) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(30);
    expect(renderRows(rows, columns, "tsv")).toContain("a-very-long-experiment-name");
  });
});
