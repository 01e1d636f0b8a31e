import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { errnoCode, errnoReason, isErrno } from "../../../src/core/errors";

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("did not throw");
}

describe("errnoCode", () => {
  test("reads the code of a failed system call", () => {
    const error = thrownBy(() => readFileSync("/nonexistent-exprag-errno-test"));
    expect(errnoCode(error)).toBe("ENOENT");
    expect(isErrno(error, "ENOENT")).toBe(true);
    expect(isErrno(error, "EEXIST")).toBe(false);
    expect(errnoReason(error)).toBe("ENOENT");
  });

  test.each([
    ["a plain error", new Error("boom"), "Error: boom"],
    ["a thrown string", "boom", "boom"],
    ["null", null, "null"],
    ["a code that is not text", Object.assign(new Error("odd"), { code: 5 }), "Error: odd"],
  ])("has no code for %s, and says what was thrown", (_, error, reason) => {
    expect(errnoCode(error)).toBeUndefined();
    expect(isErrno(error, "ENOENT")).toBe(false);
    expect(errnoReason(error)).toBe(reason);
  });
});
