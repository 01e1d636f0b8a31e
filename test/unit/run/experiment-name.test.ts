import { describe, expect, test } from "bun:test";
import { experimentNameFor } from "../../../src/core/run/experiment-name";

describe("a run's default name", () => {
  test.each([
    [["python", "train.py", "--lr", "0.1"], "train.py"],
    [["python3.11", "-u", "src/train.py"], "train.py"],
    [["python", "-m", "pkg.train"], "pkg.train"],
    [["python", "-c", "print(1)"], "python"],
    [["uv", "run", "python", "train.py"], "train.py"],
    [["/usr/bin/make", "all"], "make"],
    [["sh", "/"], "sh"],
    [["python3", ""], "python3"],
    [["bash", " "], "bash"],
    [[""], ""],
  ])("%p is %p", (command, name) => {
    expect(experimentNameFor(command)).toBe(name);
  });
});
