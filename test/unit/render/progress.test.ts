import { describe, expect, test } from "bun:test";
import { clearProgress, startProgress } from "../../../src/render/progress";

function clocked(terminal = true) {
  let time = 0;
  const written: string[] = [];
  const progress = startProgress({ terminal, delayMs: 1000, now: () => time, write: (text) => written.push(text), width: 40 });
  return { progress, written, at: (ms: number) => (time = ms) };
}

describe("the progress line", () => {
  test("shows nothing during the first second, then the step, redrawn at most every 100 ms", () => {
    const { progress, written, at } = clocked();
    const reading = progress.phase("reading runs");
    for (const ms of [0, 500, 999]) {
      at(ms);
      reading(ms, 5000);
    }
    expect(written).toEqual([]);
    at(1000);
    reading(1200, 5000);
    at(1050);
    reading(1300, 5000);
    at(1100);
    reading(1400, 5000);
    expect(written).toEqual(["\r⠋ reading runs 1200/5000", "\r⠙ reading runs 1400/5000"]);
  });

  test("a shorter line covers what the longer one left, and end clears the line", () => {
    const { progress, written, at } = clocked();
    at(2000);
    progress.phase("reading runs")(4999, 5000);
    at(2200);
    progress.phase("ranking")(1, 2);
    progress.end();
    expect(written).toEqual(["\r⠋ reading runs 4999/5000", `\r⠙ ranking 1/2${" ".repeat(11)}`, `\r${" ".repeat(24)}\r`]);
  });

  test("a message clears the line first; the next step draws it again", () => {
    const { progress, written, at } = clocked();
    at(1500);
    const step = progress.phase("x");
    step(1, 3);
    clearProgress();
    clearProgress();
    at(1700);
    step(2, 3);
    expect(written).toEqual(["\r⠋ x 1/3", "\r       \r", "\r⠙ x 2/3"]);
  });

  test("fits the terminal, and is nothing at all when stderr is no terminal", () => {
    const { progress, written, at } = clocked();
    at(5000);
    progress.phase("a label much longer than the forty columns of this terminal")(1, 2);
    expect(written[0]).toBe(`\r${"⠋ a label much longer than the forty col".slice(0, 39)}`);
    const piped = clocked(false);
    piped.at(5000);
    piped.progress.phase("reading")(1, 2);
    piped.progress.end();
    expect(piped.written).toEqual([]);
  });
});
