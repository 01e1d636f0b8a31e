import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXPRAG, exprag, recordLine, tempDir, works } from "./harness";
import { atTerminal, hasPty } from "./terminal";

/** A store written by hand, so the chart is the same on every machine: two runs, one with a NaN. */
const cwd = tempDir();
const BASELINE = "01a00000-0000-7000-8000-00003f9c2a1b";
const TUNED = "01a00000-0001-7000-8000-00008d01e4c7";
const runs = join(cwd, ".exprag", "runs");
mkdirSync(runs, { recursive: true });
/** `epochs`: the first records carry an epoch (every third step is a new one), the rest none. */
function writeRun(runId: string, name: string, losses: (number | string)[], epochs = losses.length) {
  const at = (i: number) => ({ experiment_name: name, created_at: new Date(Date.UTC(2026, 11, 1, 19, 45, i * 30)).toISOString(), elapsed_ms: i * 30_000 });
  const lines = [
    recordLine(runId, "run_start", { metadata: {} }, at(0)),
    ...losses.map((loss, i) => recordLine(runId, "track", { step: i * 10, ...(i < epochs ? { epoch: Math.floor(i / 3) } : {}), metrics: { loss } }, at(i))),
    recordLine(runId, "run_end", { status: "ok", exit_code: 0, signal: null, duration_ms: losses.length * 30_000 }, at(losses.length)),
  ];
  writeFileSync(join(runs, `${runId}.jsonl`), lines.join(""));
}
writeRun(BASELINE, "baseline", [4, 3, 2.5, 1, 0.5, 0.8, 1.2, 1.1, 1]);
writeRun(TUNED, "tuned\x1b[31m", [3, 2, "NaN", 1, 0.6, 0.4, 0.3, 0.25, 0.2], 4);

/**
 * Both runs at 60 columns: the tuned run's NaN (step 20) is a gap; its name's escape code is shown,
 * not sent. Each line wears its letter along the way, so the two read apart without colour.
 */
const CHART = `${[
  "metrics.loss",
  "4 ┤⠑⢄",
  "  │  ⠑⢄",
  "  │    a⢄",
  "3 ┤⢄     ⠑⢄⡀",
  "  │ ⠑⢄     ⠈⠑⠢⢄⡀",
  "  │   ⠑⢄       ⠈⠑⢢",
  "  │     ⠑⢄        ⠑⡄",
  "2 ┤       b        ⠈⢆",
  "  │                  ⠣⡀",
  "  │                   ⠘⢄                    ⣀⣀⣀⣀",
  "1 ┤                    a⠲⢤⣀           ⢀a⠤⠒⠊⠉    ⠉⠉⠉a⠉⠉⠉⠒⠒⠒⠒a",
  "  │                       ⠈⠙⠳⢦⣄b⣀⡠⠤⠔⠒⠉⠁",
  "  │                           ⠈⠉⠈⠉⠑⠒⠢⠤⠤⠤⠤⣀⣀⣀⣀⣀⣀b",
  "0 ┤                                             ⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉b",
  "  └┬─────────────┬─────────────┬────────────┬─────────────┬─",
  "   0            20            40           60            80",
  "                             step",
  "a ▬ 3f9c2a1b baseline",
  "b ▬ 8d01e4c7 tuned\\e[31m",
].join("\n")}\n`;

const env = { COLUMNS: "60", TZ: "UTC" };
const plot = (...args: string[]) => exprag(["plot", ...args], { cwd, env });

describe("exprag plot", () => {
  test("draws the runs overlaid, exactly, as plain text through a pipe", async () => {
    const result = await plot("metrics.loss", "--all");
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe(CHART);
  });

  test.skipIf(!hasPty)(
    "at a terminal: the same chart, each run in its colour, fitted to the terminal's width",
    async () => {
      const tty = await atTerminal([EXPRAG, "plot", "metrics.loss", "--all"], { cwd, env: { TZ: "UTC" }, columns: 60, rows: 22 });
      expect(tty.exitCode).toBe(0);
      expect(tty.output).toContain("\x1b[36ma ▬\x1b[39m 3f9c2a1b baseline");
      expect(tty.output).toContain("\x1b[33mb ▬\x1b[39m 8d01e4c7 tuned\\e[31m");
      expect(Bun.stripANSI(tty.output)).toBe(CHART);
      const narrow = await atTerminal([EXPRAG, "plot", "metrics.loss", "--all", "--color", "never"], { cwd, columns: 40, rows: 22 });
      expect(Math.max(...narrow.output.split("\n").map((line) => Bun.stringWidth(line)))).toBe(40);
    },
    30_000,
  );

  test("wide enough, each run's label stands where its line ends, on that line's row", async () => {
    const wide = await exprag(["plot", "metrics.loss", "--all"], { cwd, env: { ...env, COLUMNS: "100" } });
    const rows = wide.text.split("\n");
    // The baseline ends at 1, above the tuned run's 0.2: its label is on the higher row.
    const baseline = rows.findIndex((line) => line.endsWith("⠒a 3f9c2a1b baseline"));
    const tuned = rows.findIndex((line) => /⠉b 8d01e4c7 tuned\\e\[31m$/.test(line));
    expect(baseline).toBeGreaterThan(0);
    expect(tuned).toBeGreaterThan(baseline);
    expect(rows.slice(-3, -1)).toEqual(["a ▬ 3f9c2a1b baseline", "b ▬ 8d01e4c7 tuned\\e[31m"]);
  });

  test("without runs named, the latest run; --x elapsed and time relabel the x axis", async () => {
    const latest = (await plot("metrics.loss")).text.split("\n");
    expect(latest.at(-2)).toBe("a ▬ 8d01e4c7 tuned\\e[31m");
    const elapsed = (await plot("metrics.loss", "3f9c2a1b", "--x", "elapsed")).text.split("\n");
    expect(elapsed.slice(-4, -2)).toEqual(["   0         50          100        150         200", "                          elapsed (s)"]);
    const time = (await exprag(["plot", "metrics.loss", "--all", "--x", "time"], { cwd, env: { COLUMNS: "60", TZ: "Asia/Kolkata" } })).text.split("\n");
    expect(time.slice(-5, -3)).toEqual(["   01:15:00  01:16:00      01:17:00     01:18:00    01:19:00", "                         time (+05:30)"]);
  });

  test("--json: a value that is no number is null, told apart from the NaN a run reported", async () => {
    const other = tempDir();
    const id = "01a00000-0003-7000-8000-0000aa000002";
    const at = { experiment_name: "mixed", created_at: "2026-12-01T00:00:00.000Z", elapsed_ms: 0 };
    mkdirSync(join(other, ".exprag", "runs"), { recursive: true });
    const values = [0.5, "0.95", "NaN", { a: 1 }, "Infinity"];
    const lines = [recordLine(id, "run_start", { metadata: {} }, at), ...values.map((acc, step) => recordLine(id, "track", { step, acc }, at))];
    writeFileSync(join(other, ".exprag", "runs", `${id}.jsonl`), lines.join(""));
    const [line] = JSON.parse((await exprag(["plot", "acc", "--json"], { cwd: other })).text);
    // Before, "0.95" and the object read "NaN", as if the run had diverged.
    expect(line.points.map((p: { y: unknown }) => p.y)).toEqual([0.5, null, "NaN", null, "Infinity"]);
  });

  test("--x time over years writes whole dates, even past the year 9999", async () => {
    const far = tempDir();
    const id = "01a00000-0002-7000-8000-0000aa000001";
    const at = (created_at: string) => ({ experiment_name: "far", created_at, elapsed_ms: 0 });
    mkdirSync(join(far, ".exprag", "runs"), { recursive: true });
    const lines = [
      recordLine(id, "run_start", { metadata: {} }, at("2026-12-01T00:00:00.000Z")),
      recordLine(id, "track", { acc: 0.1 }, at("2026-12-01T00:00:00.000Z")),
      recordLine(id, "track", { acc: 0.3 }, at("+275760-09-13T00:00:00.000Z")),
    ];
    writeFileSync(join(far, ".exprag", "runs", `${id}.jsonl`), lines.join(""));
    const chart = (await exprag(["plot", "acc", "--x", "time"], { cwd: far, env: { COLUMNS: "60", TZ: "UTC" } })).text.split("\n");
    // Before, each tick was a fixed slice of a 4-digit year's text: "-07-09 16:3", "0-09-13 00:".
    const ticks = chart.at(-4)!.trim().split(/\s+/);
    expect([ticks[0], ticks.at(-1)]).toEqual(["2026-12-01", "275760-09-13"]);
    for (const tick of ticks) expect(tick).toMatch(/^\d{4,6}-\d\d-\d\d$/);
  });

  test.skipIf(!works("python3", "-c", "import xml.dom.minidom"))("--svg writes the chart as SVG, one path per run, and says so on stderr", async () => {
    const file = join(cwd, "loss.svg");
    const result = await plot("metrics.loss", "--all", "--svg", file);
    expect(result.exitCode).toBe(0);
    expect(result.text).toBe("");
    expect(result.stderr).toBe(`exprag: wrote ${file}: 2 runs, 18 points\n`);
    const parse = `import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1]).documentElement
paths = d.getElementsByTagName("path")
print(d.tagName, len(paths), *[p.getElementsByTagName("title")[0].firstChild.data for p in paths], sep="\\n")`;
    const parsed = Bun.spawnSync(["python3", "-c", parse, file]);
    expect(parsed.stdout.toString()).toBe(`svg\n2\n3f9c2a1b baseline\n8d01e4c7 tuned\\e[31m\n`);
    const piped = await plot("metrics.loss", "--all", "--svg", "-");
    expect(piped.text).toBe(readFileSync(file, "utf8"));
  });

  test("--json gives the points; a path no run has is warned about; a bad --x is a usage error", async () => {
    const [first, second] = JSON.parse((await plot("metrics.loss", "--all", "--json")).text);
    expect(first).toMatchObject({ run_id: BASELINE, short_id: "3f9c2a1b", experiment_name: "baseline" });
    expect(first.points.slice(0, 2)).toEqual([
      { x: 0, y: 4 },
      { x: 10, y: 3 },
    ]);
    expect(second.points[2]).toEqual({ x: 20, y: "NaN" });
    const missing = await plot("metrics.nope");
    expect(missing.exitCode).toBe(0);
    expect(missing.stderr).toBe("exprag: warning: no metrics.nope in that run; see exprag paths\n");
    expect(missing.text).toContain("no finite values");
    const bad = await plot("metrics.loss", "--x", "a..b");
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("'a..b' is not a value path");
  });

  test("--x PATH pairs each record's value at PATH with its y; records without it are left out, and said so", async () => {
    const result = await plot("metrics.loss", "--all", "--x", "epoch", "--json");
    expect(result.stderr).toBe("exprag: warning: 5 values of metrics.loss have no epoch beside them; they are left out\n");
    const [baseline, tuned] = JSON.parse(result.text);
    expect(baseline.points.map((p: { x: number }) => p.x)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(tuned.points).toEqual([
      { x: 0, y: 3 },
      { x: 0, y: 2 },
      { x: 0, y: "NaN" },
      { x: 1, y: 1 },
    ]);
    const chart = await plot("metrics.loss", "--all", "--x", "epoch");
    expect(chart.text.split("\n").slice(-6, -3)).toEqual([
      "  └┬─────────────┬─────────────┬────────────┬─────────────┬─",
      "   0            0.5            1           1.5            2",
      "                             epoch",
    ]);
    const none = await plot("metrics.loss", "--x", "metrics.nope");
    expect(none.stderr).toBe("exprag: warning: no metrics.nope beside metrics.loss in that run; see exprag paths\n");
    expect(none.text).toContain("no finite values");
  });

  test("--smooth N draws a trailing moving average and says so; --json stays raw; a bad N is a usage error", async () => {
    const smooth = await plot("metrics.loss", "3f9c2a1b", "--smooth", "2", "--x", "elapsed");
    expect(smooth.exitCode).toBe(0);
    expect(smooth.text.split("\n")[0]).toBe("metrics.loss (moving average of 2 points)");
    // Each point is the mean of it and the one before: the dip to 0.5 at 120 s reads 0.65, and the end (1.1, 1) 1.05.
    expect(smooth.text).toBe(
      `${[
        "metrics.loss (moving average of 2 points)",
        "4 ┤⠑⠢⢄⡀",
        "  │   ⠈⠑⠢⢄⡀",
        "  │       ⠈⠒⢄",
        "3 ┤          ⠑⠢⡀",
        "  │            ⠈⠑⢄",
        "  │               ⠑⢄",
        "  │                 ⠱⡀",
        "2 ┤                  ⠈⠢⡀",
        "  │                    ⠈⠢⡀",
        "  │                      ⠈⠢⡀",
        "  │                        ⠘⢄                 ⢀⣀⣀⣀⠤⠤⠤⢄⣀⣀⣀",
        "1 ┤                          ⠑⢄         ⣀⠤⠔⠒⠉⠉⠁          ⠉⠉a",
        "  │                            ⠉⠉⠉⠑⠒⠒⠒⠊⠉",
        "  │",
        "0 ┤",
        "  └┬──────────┬───────────┬──────────┬───────────┬──────────",
        "   0         50          100        150         200",
        "                          elapsed (s)",
        "a ▬ 3f9c2a1b baseline",
      ].join("\n")}\n`,
    );
    const raw = await plot("metrics.loss", "3f9c2a1b", "--x", "elapsed");
    expect(raw.text.split("\n").slice(1)).not.toEqual(smooth.text.split("\n").slice(1));
    const json = JSON.parse((await plot("metrics.loss", "3f9c2a1b", "--smooth", "2", "--json")).text);
    expect(json[0].points[0]).toEqual({ x: 0, y: 4 });
    for (const bad of ["0", "1.5", "x"]) {
      const result = await plot("metrics.loss", "--smooth", bad);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`--smooth must be a whole number of points, 1 to 100000, got "${bad}"`);
    }
  });

  test("--size WxH sizes the SVG; a bad size, or one without --svg, is a usage error naming the form", async () => {
    const svg = await plot("metrics.loss", "--all", "--svg", "-", "--size", "1200x700");
    expect(svg.exitCode).toBe(0);
    expect(svg.text.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="700" viewBox="0 0 1200 700"')).toBe(true);
    for (const bad of ["1200", "12x7", "1200x700x3", "99999x700", "wide"]) {
      const result = await plot("metrics.loss", "--svg", "-", "--size", bad);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`--size must be WIDTHxHEIGHT in pixels, each 100 to 10000, like 1200x700; got "${bad}"`);
    }
    const alone = await plot("metrics.loss", "--size", "1200x700");
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toContain("--size sizes the SVG chart");
  });
});

const hasRsvg = works("rsvg-convert", "--version");
const NEEDS_RSVG = "(needs rsvg-convert, from Debian's librsvg2-bin)";
test.skipIf(!hasRsvg)(`--size: the SVG renders to a PNG of that size ${NEEDS_RSVG}`, async () => {
  const file = join(cwd, "sized.svg");
  const png = join(cwd, "sized.png");
  expect((await plot("metrics.loss", "--all", "--svg", file, "--size", "1200x700")).exitCode).toBe(0);
  const rendered = Bun.spawnSync(["rsvg-convert", file, "-o", png], { stderr: "pipe" });
  expect([rendered.exitCode, rendered.stderr.toString()]).toEqual([0, ""]);
  const bytes = readFileSync(png);
  expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1200, 700]);
});

/** A store of one run tracking `loss` at steps 0, 1, 2, ...: its folder. */
function storeOfOneRun(id: string, losses: (number | string)[]): string {
  const dir = tempDir();
  mkdirSync(join(dir, ".exprag", "runs"), { recursive: true });
  writeFileSync(
    join(dir, ".exprag", "runs", `${id}.jsonl`),
    [
      recordLine(id, "run_start", {}),
      ...losses.map((loss, step) => recordLine(id, "track", { step, loss })),
      recordLine(id, "run_end", { status: "ok", exit_code: 0 }),
    ].join(""),
  );
  return dir;
}

describe("exprag plot --log-y", () => {
  const logged = storeOfOneRun("01a00000-0003-7000-8000-0000000a0900", [10, 1, 0, 0.1, -1, 0.01, 0.02]);

  test("y on a log scale with ticks at powers of ten; values at or below zero are gaps, counted in one line", async () => {
    const result = await exprag(["plot", "loss", "--log-y"], { cwd: logged, env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("exprag: 2 values at or below zero are gaps on the log scale\n");
    const lines = result.text.split("\n");
    expect(lines[0]).toBe("loss, log scale");
    expect(lines.filter((line) => line.includes("┤")).map((line) => line.split("┤")[0]!.trim())).toEqual(["10", "1", "0.1", "0.01"]);
    // Decades evenly spaced: on a linear axis 1, 0.1 and 0.01 would all sit on the bottom rows.
    const rows = lines.flatMap((line, i) => (line.includes("┤") ? [i] : []));
    const gaps = rows.slice(1).map((row, i) => row - rows[i]!);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
    expect(rows.at(-1)! - rows[0]!).toBeGreaterThan(6);
  });
});

describe("exprag plot of a long run", () => {
  // More points than a chart draws (8192 a run): one spike and one NaN among 30,000.
  const id = "01a00000-0002-7000-8000-0000000b1600";
  const losses: (number | string)[] = Array.from({ length: 30_000 }, (_, i) => 1 + Math.sin(i / 500));
  losses[17_321] = 9;
  losses[23_456] = "NaN";
  const big = storeOfOneRun(id, losses);

  test("the chart keeps the spike and spans every step; --json gives every point", async () => {
    const chart = await exprag(["plot", "loss"], { cwd: big, env });
    expect(chart.exitCode).toBe(0);
    expect(chart.stderr).toBe("");
    // Without the spike the axis would end near 2.
    expect(chart.text).toMatch(/^ 10 ┤$/m);
    expect(chart.text).toMatch(/^7\.5 ┤ +⡇$/m);
    expect(chart.text).toMatch(/ 0 +10000 +20000\n/);
    const json = await exprag(["plot", "loss", "--json"], { cwd: big, env });
    const [series] = JSON.parse(json.text);
    expect(series.points).toHaveLength(30_000);
    expect(series.points[17_321]).toEqual({ x: 17_321, y: 9 });
    expect(series.points[23_456]).toEqual({ x: 23_456, y: "NaN" });
    expect(json.stderr).toBe("");
  });
});

describe("exprag plot of a six-run sweep, as a person sees it at a terminal", () => {
  // lr from 0.001 to 0.3: the fast ones fall and end together near 0.3; the fastest turns up again.
  const dir = tempDir();
  mkdirSync(join(dir, ".exprag", "runs"), { recursive: true });
  [0.001, 0.003, 0.01, 0.03, 0.1, 0.3].forEach((lr, r) => {
    const id = `01a00000-000${r}-7000-8000-0000000000${r}${r}`;
    const losses = Array.from({ length: 60 }, (_, s) => 0.3 + 2 * Math.exp(-s * lr * 8) + (r === 5 ? 0.02 * s : 0));
    const at = (i: number) => ({ experiment_name: "logreg", elapsed_ms: i * 1000 });
    writeFileSync(
      join(dir, ".exprag", "runs", `${id}.jsonl`),
      [
        recordLine(id, "run_start", { metadata: {}, params: { lr, bs: 32 } }, at(0)),
        ...losses.map((loss, step) => recordLine(id, "track", { step, metrics: { loss } }, at(step))),
        recordLine(id, "run_end", { status: "ok", exit_code: 0 }, at(60)),
      ].join(""),
    );
  });

  test.skipIf(!hasPty).each([60, 80, 120])(
    "at %p columns, with colour and without: every line shows its letter along it, and the x ticks are round",
    async (columns) => {
      for (const env of [{ TZ: "UTC" }, { TZ: "UTC", NO_COLOR: "1" }]) {
        const tty = await atTerminal([EXPRAG, "plot", "metrics.loss", "--all"], { cwd: dir, env, columns, rows: 30 });
        expect(tty.exitCode).toBe(0);
        expect(tty.output.includes("\x1b[")).toBe(!env.NO_COLOR);
        const lines = Bun.stripANSI(tty.output).split("\n");
        expect(Math.max(...lines.map((line) => Bun.stringWidth(line)))).toBeLessThanOrEqual(columns);
        const plot = lines.filter((line) => /^ *[\d.]* [┤│]/.test(line)).map((line) => line.replace(/ [0-9a-f]{8} lr=[\d.]+$/, ""));
        // Each letter at its line's end and at least once more along the line.
        for (const letter of "abcdef") expect(plot.join("").split(letter).length - 1).toBeGreaterThanOrEqual(2);
        expect(lines[lines.findIndex((line) => line.includes("└")) + 1]!.trim().split(/ +/)).toEqual(["0", "20", "40"]);
        expect(lines.filter((line) => line.includes(" ▬ "))).toEqual([
          "a ▬ 00000000 lr=0.001",
          "b ▬ 00000011 lr=0.003",
          "c ▬ 00000022 lr=0.01",
          "d ▬ 00000033 lr=0.03",
          "e ▬ 00000044 lr=0.1",
          "f ▬ 00000055 lr=0.3",
        ]);
      }
    },
    60_000,
  );

  test.skipIf(!hasRsvg)(`its SVG renders to a PNG without a warning, one labelled line per run ${NEEDS_RSVG}`, async () => {
    const svg = await exprag(["plot", "metrics.loss", "--all", "--svg", "-"], { cwd: dir });
    expect(svg.exitCode).toBe(0);
    for (const label of ["a 00000000 lr=0.001", "f 00000055 lr=0.3"]) expect(svg.text).toContain(`>${label}</text>`);
    expect(svg.text.split("<path ").length - 1).toBe(6);
    const rendered = Bun.spawnSync(["rsvg-convert", "-o", join(dir, "sweep.png")], { stdin: Buffer.from(svg.text), stderr: "pipe" });
    expect([rendered.exitCode, rendered.stderr.toString()]).toEqual([0, ""]);
    const bytes = readFileSync(join(dir, "sweep.png"));
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([800, 450]);
  });
});
