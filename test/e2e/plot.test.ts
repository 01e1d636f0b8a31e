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
function writeRun(runId: string, name: string, losses: (number | string)[]) {
  const at = (i: number) => ({ experiment_name: name, created_at: new Date(Date.UTC(2026, 11, 1, 19, 45, i * 30)).toISOString(), elapsed_ms: i * 30_000 });
  const lines = [
    recordLine(runId, "run_start", { metadata: {} }, at(0)),
    ...losses.map((loss, i) => recordLine(runId, "track", { step: i * 10, metrics: { loss } }, at(i))),
    recordLine(runId, "run_end", { status: "ok", exit_code: 0, signal: null, duration_ms: losses.length * 30_000 }, at(losses.length)),
  ];
  writeFileSync(join(runs, `${runId}.jsonl`), lines.join(""));
}
writeRun(BASELINE, "baseline", [4, 3, 2.5, 1, 0.5, 0.8, 1.2, 1.1, 1]);
writeRun(TUNED, "tuned\x1b[31m", [3, 2, "NaN", 1, 0.6, 0.4, 0.3, 0.25, 0.2]);

/** Both runs at 60 columns: the tuned run's NaN (step 20) is a gap; its name's escape code is shown, not sent. */
const CHART = `${[
  "metrics.loss",
  "4 ┤⠑⢄",
  "  │  ⠑⢄",
  "  │    ⠑⢄",
  "3 ┤⢄     ⠑⢄⡀",
  "  │ ⠑⢄     ⠈⠑⠢⢄⡀",
  "  │   ⠑⢄       ⠈⠑⢢",
  "  │     ⠑⢄        ⠑⡄",
  "2 ┤       ⠁        ⠈⢆",
  "  │                  ⠣⡀",
  "  │                   ⠘⢄                    ⣀⣀⣀⣀",
  "1 ┤                    ⠈⠲⢤⣀           ⢀⣀⠤⠒⠊⠉    ⠉⠉⠉⠉⠉⠉⠉⠒⠒⠒⠒a",
  "  │                       ⠈⠙⠳⢦⣄⣀⣀⡠⠤⠔⠒⠉⠁",
  "  │                           ⠈⠉⠈⠉⠑⠒⠢⠤⠤⠤⠤⣀⣀⣀⣀⣀⣀⣀",
  "0 ┤                                             ⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉b",
  "  └┬───────────────────────────┬──────────────────────────┬─",
  "   0                          40                         80",
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

  test("without runs named, the latest run; --x elapsed and time relabel the x axis", async () => {
    const latest = (await plot("metrics.loss")).text.split("\n");
    expect(latest.at(-2)).toBe("a ▬ 8d01e4c7 tuned\\e[31m");
    const elapsed = (await plot("metrics.loss", "3f9c2a1b", "--x", "elapsed")).text.split("\n");
    expect(elapsed.slice(-4, -2)).toEqual(["   0                          120                       240", "                          elapsed (s)"]);
    const time = (await exprag(["plot", "metrics.loss", "--all", "--x", "time"], { cwd, env: { COLUMNS: "60", TZ: "Asia/Kolkata" } })).text.split("\n");
    expect(time.slice(-5, -3)).toEqual(["   01:15:00                01:17:00                01:19:00", "                         time (+05:30)"]);
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
    const bad = await plot("metrics.loss", "--x", "epoch");
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--x must be one of step, elapsed, time, got "epoch"');
  });
});
