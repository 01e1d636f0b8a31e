import { describe, expect, test } from "bun:test";
import { renderTextChart } from "../../../src/render/chart";
import {
  type ChartSeries,
  chartBounds,
  drawnSeries,
  finiteRuns,
  formatTick,
  formatTicks,
  linearTicks,
  roundRange,
  roundTicks,
  seriesMarker,
  timeTicks,
  yScale,
} from "../../../src/render/chart-scale";
import { escapeXml, renderSvgChart, seriesDash, seriesStroke } from "../../../src/render/chart-svg";

const steps = (ys: number[], every = 1) => ys.map((y, i) => ({ x: i * every, y }));
const loss: ChartSeries = { label: "3f9c2a1b baseline", points: steps([4, 3, 2.5, 1, 0.5, 0.8, 1.2, 1.1, 1], 10) };
const rising: ChartSeries = { label: "b run", points: steps([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4], 10) };
const small = { width: 24, height: 7, xLabel: "step", yLabel: "lr" };

describe("formatTick", () => {
  test.each([
    [0, "0"],
    [-0, "0"],
    [0.25, "0.25"],
    [1 / 3, "0.3333"],
    [-2.5, "-2.5"],
    [12345, "12350"],
    [0.01, "0.01"],
    [0.0099999, "0.01"],
    [0.0015, "1.5e-3"],
    [-0.000123456, "-1.235e-4"],
    [1e-7, "1e-7"],
    [99999, "1e5"],
    [123456, "1.235e5"],
    [1.5e300, "1.5e300"],
  ])("%p reads %p", (value, expected) => {
    expect(formatTick(value)).toBe(expected);
  });

  test("ticks get more digits when four would print different values alike", () => {
    expect(formatTicks([1.00001, 1.000015, 1.00002])).toEqual(["1.00001", "1.000015", "1.00002"]);
    expect(formatTicks([0, 0.5, 1])).toEqual(["0", "0.5", "1"]);
  });
});

describe("ranges and runs", () => {
  test("only points with finite x and y count, and a flat range is widened", () => {
    const series = [
      {
        label: "s",
        points: [
          { x: 1, y: 2 },
          { x: NaN, y: 100 },
          { x: 3, y: Infinity },
          { x: 5, y: 2 },
        ],
      },
    ];
    expect(chartBounds(series)).toEqual({ x: { min: 1, max: 5 }, y: { min: 1.8, max: 2.2 } });
    expect(chartBounds([{ label: "zero", points: [{ x: 0, y: 0 }] }])).toEqual({ x: { min: -1, max: 1 }, y: { min: -1, max: 1 } });
    expect(chartBounds([{ label: "none", points: [{ x: 0, y: NaN }] }])).toBeNull();
    expect(chartBounds([])).toBeNull();
  });

  test("non-finite values split a series into runs", () => {
    const runs = finiteRuns(steps([1, 2, NaN, -Infinity, 3, Infinity, 4, 5]));
    expect(runs.map((run) => run.map((p) => p.y))).toEqual([[1, 2], [3], [4, 5]]);
  });

  test("series letters run a..z then A..Z", () => {
    expect([0, 1, 25, 26, 51, 52].map(seriesMarker)).toEqual(["a", "b", "z", "A", "Z", "a"]);
  });
});

describe("text chart", () => {
  test("draws a small series exactly", () => {
    const chart = renderTextChart([loss], { width: 32, height: 12, xLabel: "step", yLabel: "metrics.loss", title: "loss" });
    expect(chart).toBe(
      [
        "               loss",
        "metrics.loss",
        "4 ┤⠑⢄⡀",
        "  │  ⠈⠢⢄⡀",
        "  │     ⠈⠑⠢⡀",
        "2 ┤        ⠈⢆",
        "  │          ⠑⠢⢄⡀ ⣀⡠⠤⠒⠒⠉⠉⠑⠒⠒⠒⠒⠒a",
        "0 ┤             ⠈⠉",
        "  └┬───────┬────────┬────────┬──",
        "   0      25       50       75",
        "               step",
        "a ▬ 3f9c2a1b baseline",
      ].join("\n"),
    );
  });

  test("overlays two series, each marked by its letter after its last point and along its line", () => {
    const chart = renderTextChart([{ ...loss, label: "a run" }, rising], { width: 32, height: 12, xLabel: "step", yLabel: "loss" });
    expect(chart).toBe(
      [
        "loss",
        "4 ┤⠑⢄⡀                    ⢀⣀⠤⠒⠉b",
        "  │  ⠈⠢a⡀             ⣀⠤⠔⠊⠁",
        "  │     ⠈⠑⠢⡀     ⢀⡠⠔⠒⠉",
        "2 ┤        ⠈⣆⠤⠔b⠊⠁",
        "  │    ⢀⡠⠔⠒⠉ ⠑⠢⢄⡀ ⣀⡠⠤⠒⠒a⠉⠑⠒⠒⠒⠒⠒a",
        "0 ┤⣀⠤⠒⠉⠁        ⠈⠉",
        "  └┬───────┬────────┬────────┬──",
        "   0      25       50       75",
        "               step",
        "a ▬ a run",
        "b ▬ b run",
      ].join("\n"),
    );
  });

  test("with room, each label stands beside the plot on its line's last row, in its colour; lines ending on one row get a row each", () => {
    const short = { label: "short", points: steps([2, 3, 4.5], 10) };
    const same = { label: "same end", points: steps([1, 1.5, 1.1, 1, 1, 1, 1, 1, 1], 10) };
    const options = { width: 64, height: 14, xLabel: "step", yLabel: "loss" };
    const chart = renderTextChart([loss, rising, short, same], options);
    expect(chart).toBe(
      [
        "loss",
        "  5 ┤         ⣀⠄c                              short",
        "    │⠒⠤a⡀  ⢀⠔⠊                        ⢀⣀⣀⠤⠤⠔⠒b b run",
        "    │  ⢀⡨⠕⠚⠥⢄⣀⡀               ⢀⣀⠤⠤⠒⠒⠉⠉⠁",
        "2.5 ┤⠔⠊c      ⠈⠑⠢⢄   ⢀⣀⣀⠤⠤⠔b⠊⠉⠁",
        "    │⠤⠔⠒⠒⠉⠉⠑⢒⣒⡤⠤⠴⠶⠿⠿⠭⣥⡤⠤⠤⠤⠤⠤⢤⣤⣤⠤⠤⠴⠶⠶⠶⠤⠤⠤⠤⠤⠤⠤⠤a 3f9c2a1b baseline",
        "  0 ┤⣀⡠⠤⠤⠒⠒b⠁         ⠈a⠑⠒⠊⠉⠁                d same end",
        "    └┬─────────┬─────────┬────────┬─────────┬─",
        "     0        20        40       60        80",
        "                       step",
        "a ▬ 3f9c2a1b baseline",
        "b ▬ b run",
        "c ▬ short",
        "d ▬ same end",
      ].join("\n"),
    );
    const coloured = renderTextChart([loss, rising, short, same], { ...options, color: true });
    expect(coloured).toContain("\x1b[36ma\x1b[39m\x1b[36m 3f9c2a1b baseline\x1b[39m");
    expect(coloured).toContain("\x1b[35m short\x1b[39m");
    // Too narrow for the longest label whole: the letters alone, as before.
    const narrow = renderTextChart([loss, rising], { ...options, width: 50 }).split("\n");
    expect(narrow.filter((line) => /[┤│]/.test(line) && line.includes("run"))).toEqual([]);
    expect(narrow.filter((line) => /[┤│].*[ab]$/.test(line))).toHaveLength(2);
  });

  test("colour is the same text with each series' cells in its ANSI colour", () => {
    const options = { width: 32, height: 12, xLabel: "step", yLabel: "loss" };
    const coloured = renderTextChart([loss, rising], { ...options, color: true });
    expect(Bun.stripANSI(coloured)).toBe(renderTextChart([loss, rising], options));
    expect(coloured).toContain("\x1b[36ma ▬\x1b[39m 3f9c2a1b baseline");
    expect(coloured).toContain("\x1b[33mb ▬\x1b[39m b run");
    expect(coloured).toContain("\x1b[33m⢀⣀⠤⠒⠉b\x1b[39m");
  });

  test("where series share cells the later series' colour wins, and letters stay apart", () => {
    const chart = renderTextChart([loss, { ...loss, label: "copy" }], { width: 32, height: 12, xLabel: "step", yLabel: "loss", color: true });
    const lines = chart.split("\n");
    expect(lines.slice(1, 7).join("").replaceAll("\x1b[36ma\x1b[39m", "")).not.toContain("\x1b[36m");
    expect(lines.slice(5, 7)).toEqual([
      "  │          \x1b[33m⠑⠢⢄⡀\x1b[39m \x1b[33m⣀⡠⠤⠒⠒⠉⠉⠑⠒⠒⠒⠒⠒\x1b[39m\x1b[36ma\x1b[39m",
      "0 ┤             \x1b[33m⠈⠉\x1b[39m             \x1b[33mb\x1b[39m",
    ]);
    expect(lines.slice(-2)).toEqual(["\x1b[36ma ▬\x1b[39m 3f9c2a1b baseline", "\x1b[33mb ▬\x1b[39m copy"]);
  });

  test("leaves gaps at NaN and infinite values", () => {
    const gappy = { label: "gappy", points: steps([1, 2, 3, NaN, NaN, 3, 2, Infinity, 1, -Infinity, 2]) };
    const options = { width: 30, height: 9, xLabel: "step", yLabel: "loss" };
    const chart = renderTextChart([gappy], options);
    expect(chart).toBe(
      [
        "loss",
        "3 ┤    ⡰⠁       ⠱⡀",
        "  │   ⡔⠁         ⠘⡄",
        "2 ┤ ⢀⠎            ⠈         ⠈a",
        "1 ┤⡰⠁                  ⢀",
        "  └┬────────────┬───────────┬─",
        "   0            5          10",
        "              step",
        "a ▬ gappy",
      ].join("\n"),
    );
    const withNaN = { label: "gappy", points: gappy.points.map((p) => (Number.isFinite(p.y) ? p : { ...p, y: NaN })) };
    expect(renderTextChart([withNaN], options)).toBe(chart);
  });

  test("a flat series is a level line in the middle of a widened range", () => {
    expect(renderTextChart([{ label: "flat", points: steps([0.5, 0.5, 0.5, 0.5]) }], small)).toBe(
      ["lr", "0.55 ┤", " 0.5 ┤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤a", "0.45 ┤", "     └┬──────────┬──────", "      0          2", "             step", "a ▬ flat"].join("\n"),
    );
  });

  test("x ticks can read as the caller says (times of day), in text and in SVG", () => {
    const formatX = (value: number) => `t${value}`;
    const chart = renderTextChart([loss], { width: 32, height: 12, xLabel: "time", yLabel: "loss", formatX });
    expect(chart.split("\n").at(-3)).toBe("   t0           t40          t80");
    const svg = renderSvgChart([loss], { width: 640, height: 360, xLabel: "time", yLabel: "loss", formatX });
    expect([...svg.matchAll(/text-anchor="middle">(t\d+)<\/text>/g)].map((m) => m[1])).toEqual(["t0", "t20", "t40", "t60", "t80"]);
  });

  test("a single point is one dot", () => {
    expect(renderTextChart([{ label: "one", points: [{ x: 3, y: 0.5 }] }], small)).toBe(
      ["lr", "0.55 ┤", " 0.5 ┤        ⠠a", "0.45 ┤", "     └──┬─────┬─────┬───", "       2.8    3    3.2", "             step", "a ▬ one"].join("\n"),
    );
  });

  test("without any finite value the frame says so", () => {
    expect(renderTextChart([], small)).toBe(["lr", "│", "│", "│   no finite values", "│", "└───────────────────────", "          step"].join("\n"));
    expect(renderTextChart([{ label: "nan only", points: [{ x: 0, y: NaN }] }], small)).toBe(
      ["lr", "│", "│   no finite values", "│", "└───────────────────────", "          step", "a ▬ nan only"].join("\n"),
    );
  });

  test("labels cannot break lines or send escape codes", () => {
    const chart = renderTextChart([{ label: "x\x1b[2J\ny\u0085", points: steps([1, 2]) }], { ...small, title: "t\rt" });
    const tame = renderTextChart([{ label: "x", points: steps([1, 2]) }], { ...small, title: "t" });
    expect(chart.split("\n")).toHaveLength(tame.split("\n").length);
    expect(chart).toContain("a ▬ x?[2J?y?");
    expect(chart).toContain("t?t");
    expect(chart).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  const wide = "漢字のラベル ".repeat(8);
  test.each([8, 12, 20, 33, 80])("every line fits %p columns, without trailing spaces", (width) => {
    for (const height of [1, 6, 15]) {
      for (const series of [[], [loss], [loss, rising, { label: wide, points: steps([1e-9, NaN, 2e-9, 5e-9]) }]]) {
        const chart = renderTextChart(series, { width, height, xLabel: wide, yLabel: wide, title: wide, color: true });
        for (const line of chart.split("\n")) {
          expect(Bun.stringWidth(line)).toBeLessThanOrEqual(width);
          expect(Bun.stripANSI(line)).not.toMatch(/\s$/);
        }
      }
    }
  });

  test("the chart has the requested height while the legend leaves room", () => {
    for (const height of [10, 12, 30]) {
      expect(renderTextChart([loss, rising], { width: 40, height, xLabel: "step", yLabel: "loss", title: "t" }).split("\n")).toHaveLength(height);
    }
    const cramped = renderTextChart([loss, rising], { width: 40, height: 2, xLabel: "step", yLabel: "loss" }).split("\n");
    expect(cramped).toHaveLength(3 + 6);
    expect(cramped.slice(1, 4).map((line) => line.slice(0, 3))).toEqual(["4 ┤", "2 ┤", "0 ┤"]);
  });
});

/** Why `xml` is not well-formed XML (one root; tags nested and closed; quoted attributes; entities), or null. */
function xmlProblem(xml: string): string | null {
  const open: string[] = [];
  let roots = 0;
  let at = 0;
  const nameEnd = (from: number) => {
    let end = from;
    while (end < xml.length && /[A-Za-z0-9:_.-]/.test(xml[end]!)) end++;
    return end;
  };
  while (at < xml.length) {
    const lt = xml.indexOf("<", at);
    const content = xml.slice(at, lt === -1 ? xml.length : lt);
    if (!textIsEscaped(content)) return `unescaped text at ${at}`;
    if (open.length === 0 && content.trim() !== "") return `text outside the root at ${at}`;
    if (lt === -1) break;
    if (xml.startsWith("</", lt)) {
      const end = nameEnd(lt + 2);
      if (xml[end] !== ">") return `bad end tag at ${lt}`;
      if (open.pop() !== xml.slice(lt + 2, end)) return `mismatched end tag at ${lt}`;
      at = end + 1;
      continue;
    }
    let cursor = nameEnd(lt + 1);
    if (cursor === lt + 1) return `bad tag name at ${lt}`;
    if (open.length === 0 && ++roots > 1) return "more than one root";
    const name = xml.slice(lt + 1, cursor);
    const attributes = new Set<string>();
    for (;;) {
      const spaced = xml[cursor] === " " || xml[cursor] === "\n";
      while (xml[cursor] === " " || xml[cursor] === "\n") cursor++;
      if (xml[cursor] === ">" || xml.startsWith("/>", cursor)) break;
      const attributeEnd = nameEnd(cursor);
      const attribute = xml.slice(cursor, attributeEnd);
      const quote = xml[attributeEnd + 1];
      if (!spaced || !attribute || xml[attributeEnd] !== "=" || (quote !== '"' && quote !== "'")) return `bad attribute at ${cursor}`;
      if (attributes.has(attribute)) return `repeated attribute at ${cursor}`;
      attributes.add(attribute);
      const close = xml.indexOf(quote, attributeEnd + 2);
      const value = xml.slice(attributeEnd + 2, close);
      if (close === -1 || value.includes("<") || !textIsEscaped(value)) return `bad attribute value at ${cursor}`;
      cursor = close + 1;
    }
    if (xml[cursor] === ">") open.push(name);
    at = cursor + (xml[cursor] === ">" ? 1 : 2);
  }
  if (open.length > 0) return `unclosed <${open.at(-1)}>`;
  return roots === 1 ? null : "no root";
}

function textIsEscaped(text: string): boolean {
  if (text.includes(">") || /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) return false;
  return text
    .split("&")
    .slice(1)
    .every((rest) => /^(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/.test(rest));
}

describe("svg chart", () => {
  const options = { width: 640, height: 360, xLabel: "step", yLabel: "metrics.loss", title: "loss by step" };
  const count = (svg: string, text: string) => svg.split(text).length - 1;

  test("the well-formedness check refuses broken documents", () => {
    expect(xmlProblem("<svg><text>a</text></svg>")).toBeNull();
    expect(xmlProblem("<svg><g></svg>")).toBe("mismatched end tag at 8");
    expect(xmlProblem("<svg><text>a<</text></svg>")).toBe("bad tag name at 12");
    expect(xmlProblem('<svg a="1"b="2"/>')).toBe("bad attribute at 10");
    expect(xmlProblem("<svg>&nbsp;</svg>")).toBe("unescaped text at 5");
    expect(xmlProblem("<svg/><svg/>")).toBe("more than one root");
  });

  test("is a standalone, well-formed document with one path per series", () => {
    const svg = renderSvgChart([loss, rising, { label: "no values", points: [{ x: 1, y: NaN }] }], options);
    expect(xmlProblem(svg)).toBeNull();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360"')).toBe(true);
    expect(count(svg, "<path")).toBe(3);
    expect(count(svg, 'fill="none"')).toBe(3);
    expect(svg).toContain('<path d="" fill="none"');
    expect(svg).toContain(">loss by step</text>");
    expect(svg).toContain(">a  3f9c2a1b baseline</text>");
    expect(svg).toContain('text-anchor="end">4</text>');
  });

  test("is deterministic, with numbers rounded to 2 decimals", () => {
    const svg = renderSvgChart([loss, rising], options);
    expect(renderSvgChart([loss, rising], options)).toBe(svg);
    const numbers = [...svg.matchAll(/(?:x1|y1|x2|y2|x|y|d)="([^"]*)"/g)].flatMap((m) => m[1]!.match(/-?[\d.]+/g) ?? []);
    expect(numbers.length).toBeGreaterThan(50);
    expect(numbers.filter((n) => /\.\d{3}/.test(n))).toEqual([]);
  });

  test("gaps start new subpaths and a lone point is a small circle", () => {
    const svg = renderSvgChart([{ label: "gappy", points: steps([1, 2, NaN, 3, Infinity, 4, 5]) }], options);
    const d = svg.match(/<path d="([^"]*)"/)![1]!;
    expect(d.match(/M/g)).toHaveLength(3);
    expect(d).toContain("m-1.5 0a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0 -3 0M");
  });

  test("each series has its own stroke colour", () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ label: `run ${i}`, points: steps([i, i + 1]) }));
    const svg = renderSvgChart(many, options);
    const strokes = [...svg.matchAll(/<path [^>]*stroke="([^"]+)"/g)].map((m) => m[1]);
    expect(strokes).toHaveLength(30);
    expect(new Set(strokes).size).toBe(30);
    expect(strokes.slice(0, 2)).toEqual([seriesStroke(0), seriesStroke(1)]);
    expect(xmlProblem(svg)).toBeNull();
  });

  test("escapes hostile labels", () => {
    const hostile = `</text><script>alert("x")</script>&amp;'\u0001\ud800`;
    const svg = renderSvgChart([{ label: hostile, points: steps([1, 2]) }], { ...options, title: hostile, xLabel: hostile, yLabel: hostile });
    expect(xmlProblem(svg)).toBeNull();
    expect(svg).not.toContain("<script");
    expect(escapeXml(hostile)).toBe("&lt;/text&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;&apos;\ufffd\ufffd");
    expect(count(svg, escapeXml(hostile))).toBe(6);
  });

  test("without any finite value the frame says so", () => {
    const svg = renderSvgChart([], options);
    expect(xmlProblem(svg)).toBeNull();
    expect(count(svg, "<path")).toBe(0);
    expect(svg).toContain(">no finite values</text>");
  });

  test("grows past the requested size rather than squeeze the plot away", () => {
    const svg = renderSvgChart(
      Array.from({ length: 20 }, (_, i) => ({ label: `r${i}`, points: steps([i]) })),
      { ...options, height: 100 },
    );
    const height = Number(svg.match(/height="(\d+)"/)![1]);
    expect(height).toBeGreaterThan(100);
    expect(svg).toContain(`viewBox="0 0 640 ${height}"`);
  });
});

describe("round ticks", () => {
  test.each([
    [{ min: 0.5, max: 4 }, 3, [0, 2, 4]],
    [{ min: 0.5, max: 4 }, 5, [0, 1, 2, 3, 4]],
    [{ min: 0.123, max: 0.987 }, 5, [0, 0.25, 0.5, 0.75, 1]],
    [{ min: 13, max: 87 }, 4, [0, 50, 100, 150]],
    [{ min: -0.03, max: 0.02 }, 3, [-0.05, 0, 0.05]],
  ])("%p in %p ticks", (range, count, expected) => {
    const round = roundRange(range, count);
    const ticks = linearTicks(round, count);
    expect(round.min).toBeLessThanOrEqual(range.min);
    expect(round.max).toBeGreaterThanOrEqual(range.max);
    expect(formatTicks(ticks)).toEqual(formatTicks(expected));
  });
});

describe("time ticks: round times of the local clock", () => {
  const at = (h: number, m: number, sec = 0, day = 5) => new Date(2026, 0, day, h, m, sec).getTime();
  const clock = (ms: number) => {
    const date = new Date(ms);
    return [date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds(), date.getMilliseconds()];
  };

  test("within an hour: whole ten minutes, not the ends' odd seconds", () => {
    const ticks = timeTicks({ min: at(12, 3, 27), max: at(12, 58, 10) }, 5);
    expect(ticks.map(clock)).toEqual([10, 20, 30, 40, 50].map((m) => [5, 12, m, 0, 0]));
  });

  test("over three days: local midnights", () => {
    const ticks = timeTicks({ min: at(9, 41, 3, 5), max: at(17, 2, 0, 8) }, 4);
    expect(ticks.map(clock)).toEqual([6, 7, 8].map((day) => [day, 0, 0, 0, 0]));
  });

  test("a few seconds: whole seconds; under two seconds, the two ends", () => {
    expect(timeTicks({ min: at(8, 0, 1) + 250, max: at(8, 0, 5) + 900 }, 5).map(clock)).toEqual([2, 3, 4, 5].map((sec) => [5, 8, 0, sec, 0]));
    const short = { min: at(8, 0, 1) + 250, max: at(8, 0, 1) + 900 };
    expect(timeTicks(short, 5)).toEqual(linearTicks(short, 5));
  });

  test("never more ticks than asked for", () => {
    for (let span = 1_500; span < 30 * 86_400_000; span *= 1.7)
      for (const count of [2, 3, 5]) expect(timeTicks({ min: at(0, 0), max: at(0, 0) + span }, count).length).toBeLessThanOrEqual(count);
  });
});

describe("y axis", () => {
  test("takes a tick more or fewer when that wastes less of the plot", () => {
    // Five ticks would read 0 to 4, leaving the top 40% empty.
    expect(yScale({ min: 0.27, max: 2.33 }, 5, false)).toEqual({
      range: { min: 0, max: 2.5 },
      ticks: [0, 0.5, 1, 1.5, 2, 2.5],
      labels: ["0", "0.5", "1", "1.5", "2", "2.5"],
    });
    expect(yScale({ min: 0.5, max: 4 }, 5, false).labels).toEqual(["0", "1", "2", "3", "4"]);
    const svg = renderSvgChart([{ label: "s", points: steps([2.33, 1, 0.27]) }], { width: 640, height: 360, xLabel: "step", yLabel: "loss" });
    expect([...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1])).toEqual(["0", "0.5", "1", "1.5", "2", "2.5"]);
  });
});

describe("log scale", () => {
  test("decades from the lowest to the highest power of ten around the values, one tick each while they fit", () => {
    expect(yScale({ min: Math.log10(0.002), max: Math.log10(1.05) }, 5, true)).toEqual({
      range: { min: -3, max: 1 },
      ticks: [-3, -2, -1, 0, 1],
      labels: ["1e-3", "0.01", "0.1", "1", "10"],
    });
    expect(yScale({ min: -8, max: 3.5 }, 4, true)).toEqual({
      range: { min: -8, max: 4 },
      ticks: [-8, -5, -2, 1, 4],
      labels: ["1e-8", "1e-5", "0.01", "10", "10000"],
    });
    expect(yScale({ min: 0.5, max: 4 }, 5, false).labels).toEqual(["0", "1", "2", "3", "4"]);
  });

  test("values at or below zero are gaps; the text and SVG charts read powers of ten", () => {
    const series = [{ label: "s", points: steps([100, 0, 10, -1, 1]) }];
    expect(drawnSeries(series, true)[0]!.points.map((p) => p.y)).toEqual([2, NaN, 1, NaN, 0]);
    expect(drawnSeries(series, false)).toBe(series);
    const chart = renderTextChart(series, { width: 30, height: 9, xLabel: "step", yLabel: "loss", logY: true });
    expect(
      chart
        .split("\n")
        .filter((line) => line.includes("┤"))
        .map((line) => line.split("┤")[0]!.trim()),
    ).toEqual(["100", "10", "1"]);
    const svg = renderSvgChart(series, { width: 640, height: 360, xLabel: "step", yLabel: "loss", logY: true });
    expect([...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1])).toEqual(["1", "10", "100"]);
    expect(svg.match(/<path d="([^"]*)"/)![1]!.match(/M/g)).toHaveLength(3);
  });
});

describe("svg: lines told apart and labelled where they end", () => {
  const options = { width: 800, height: 450, xLabel: "step", yLabel: "loss" };
  const sweep = Array.from({ length: 6 }, (_, i) => ({ label: `lr=${i}`, points: steps(Array.from({ length: 60 }, (_, x) => 1 / (1 + x * (i + 1) * 0.05))) }));

  test("six lines, six dash patterns, each in the legend too", () => {
    const svg = renderSvgChart(sweep, options);
    const dashes = [...svg.matchAll(/<path [^>]*?(?:stroke-dasharray="([^"]+)")?><title>/g)].map((m) => m[1] ?? "");
    expect(dashes).toEqual([0, 1, 2, 3, 4, 5].map(seriesDash));
    expect(new Set(dashes).size).toBe(6);
    for (const dash of dashes.filter(Boolean)) expect(svg).toContain(`stroke-width="3" stroke-dasharray="${dash}"`);
  });

  test("each label sits right of the plot at its line's end height, in its colour, a line apart from the others", () => {
    const svg = renderSvgChart(sweep, options);
    const labels = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" fill="([^"]+)">([^<]+)<\/text>/g)].map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
      fill: m[3],
      text: m[4],
    }));
    expect(labels.map((l) => l.text)).toEqual(sweep.map((s, i) => `${seriesMarker(i)} ${s.label}`));
    expect(labels.map((l) => l.fill)).toEqual(sweep.map((_, i) => seriesStroke(i)));
    const ys = labels.map((l) => l.y);
    // The slowest-falling line ends highest, so its label is the top one.
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(14);
    const axisRight = Math.max(...[...svg.matchAll(/<line x1="[\d.]+" y1="([\d.]+)" x2="([\d.]+)" y2="\1" stroke="#333333"/g)].map((m) => Number(m[2])));
    for (const label of labels) expect(label.x).toBeGreaterThan(axisRight);
  });

  test("x ticks are round numbers inside the range", () => {
    expect(roundTicks({ min: 0, max: 59 }, 5)).toEqual([0, 20, 40]);
    expect(roundTicks({ min: 3, max: 97 }, 5)).toEqual([20, 40, 60, 80]);
    expect(roundTicks({ min: 0.013, max: 0.049 }, 5)).toEqual([0.02, 0.03, 0.04]);
    const svg = renderSvgChart(sweep, options);
    expect([...svg.matchAll(/text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1])).toEqual(["0", "20", "40", "step"]);
  });
});

describe("text chart: lines told apart without colour, round x ticks", () => {
  // Six sweep lines from 0 to 59: three fall fast and end together, one turns up again.
  const sweep = Array.from({ length: 6 }, (_, i) => ({
    label: `lr=${i}`,
    points: steps(Array.from({ length: 60 }, (_, x) => 0.3 + 2 * Math.exp(-x * 0.004 * 3 ** i) + (i === 5 ? 0.02 * x : 0))),
  }));
  const options = { xLabel: "step", yLabel: "loss", height: 20 };
  /** The rows of the plot, without the y axis. */
  const plotRows = (chart: string) => chart.split("\n").flatMap((line) => (/^ *[\d.]* [┤│]/.test(line) ? [line.replace(/^ *[\d.]* [┤│]/, "")] : []));

  test("two level lines wear their letters along the way, each on its own row", () => {
    const lines = [
      { label: "high", points: steps(Array.from({ length: 60 }, () => 3)) },
      { label: "low", points: steps(Array.from({ length: 60 }, () => 1)) },
    ];
    const rows = plotRows(renderTextChart(lines, { ...options, width: 80, height: 12 }));
    const letters = rows.map((row) => row.replace(/[^ab]/g, ""));
    expect(letters.filter(Boolean)).toEqual([expect.stringMatching(/^a{4,}$/), expect.stringMatching(/^b{4,}$/)]);
    // A single line needs no marks: its letter stands once, at its end.
    const alone = plotRows(renderTextChart(lines.slice(0, 1), { ...options, width: 80, height: 12 })).join("");
    expect(alone.replace(/[^a]/g, "")).toBe("a");
  });

  test.each([60, 80, 120])("at %p columns each of six lines shows its letter along it, in its own colour", (width) => {
    const plain = renderTextChart(sweep, { ...options, width });
    const coloured = renderTextChart(sweep, { ...options, width, color: true });
    expect(Bun.stripANSI(coloured)).toBe(plain);
    const rows = plotRows(plain).join("\n");
    for (const letter of "abcdef") {
      // The end's letter and at least one mark: the lines that end together part earlier on.
      expect(rows.split(letter).length - 1).toBeGreaterThanOrEqual(2);
    }
    // Every letter in the plot is drawn in the colour of the line it names.
    for (const row of plotRows(coloured)) {
      expect(row.replace(/\x1b\[\d+m[^\x1b]*\x1b\[39m/g, "")).not.toMatch(/[a-f]/);
      for (const [, sgr, text] of row.matchAll(/\x1b\[(\d+)m([^\x1b]*)\x1b\[39m/g))
        for (const letter of text!.replace(/[^a-f]/g, "")) expect(sgr).toBe(String([36, 33, 35, 32, 34, 31]["abcdef".indexOf(letter)]));
    }
  });

  test("letters of lines that end in one column keep the order of the ends, top to bottom", () => {
    const rows = plotRows(renderTextChart(sweep, { ...options, width: 80 }));
    const ends = rows.flatMap((row) => row.match(/([a-f])(?: lr=\d)?$/)?.slice(1) ?? []);
    const last = sweep.map((s, i) => ({ letter: "abcdef"[i]!, y: s.points.at(-1)!.y })).sort((a, b) => b.y - a.y);
    expect(ends).toEqual(last.map((end) => end.letter));
  });

  test("x ticks are round numbers: 0 to 59 reads 0, 20, 40 at 60, 80 and 120 columns", () => {
    for (const width of [60, 80, 120]) {
      const lines = renderTextChart(sweep, { ...options, width }).split("\n");
      const ticks = lines[lines.findIndex((line) => line.includes("└")) + 1]!.trim().split(/ +/);
      expect(ticks).toEqual(["0", "20", "40"]);
    }
    const long = renderTextChart([{ label: "long", points: steps([1, 2, 3], 14_999.5) }], { ...options, width: 60 }).split("\n");
    expect(long.at(-3)!.trim().split(/ +/)).toEqual(["0", "10000", "20000"]);
  });
});
