import { describe, expect, test } from "bun:test";
import { nameMatches } from "../../../src/core/query/name-glob";

describe("--name", () => {
  test.each([
    ["sweep", "sweep", true],
    ["sweep", "lr-sweep", false],
    ["Sweep", "sweep", true],
    ["lr-*", "lr-sweep", true],
    ["*sweep", "lr-sweep", true],
    ["run-?", "run-1", true],
    ["run-?", "run-12", false],
    ["run-[0-9]", "run-3", true],
    ["run-[!0-9]", "run-3", false],
    ["run-[ab]", "run-b", true],
    ["a.b", "axb", false],
    ["a/b*", "a/bc", true],
    ["(x)", "(x)", true],
    ["LR-*", "lr-Sweep", true],
    ["*ß*", "STRASSE", false],
    ["[A-C]*", "beta", true],
    ["*a*a*a*a*a*a*a*a*b", "a".repeat(5000), false],
    ["*a*a*a*a*a*a*a*a*b", `${"a".repeat(5000)}b`, true],
  ])("%p selects %p: %p", (pattern, name, selected) => {
    expect(nameMatches(pattern, name)).toBe(selected);
  });

  test("a set out of order is a usage error", () => {
    expect(() => nameMatches("run-[z-a]", "run-b")).toThrow("--name: 'run-[z-a]' is not a glob");
  });
});
