import { describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { tempDir } from "../e2e/harness";
import { hostBinary, ROOT } from "./builds";

const VERIFY = join(ROOT, "scripts", "verify-binary.mjs");

function verify(command: string[]) {
  const result = Bun.spawnSync([process.execPath, VERIFY, ...command], { stdout: "pipe", stderr: "pipe" });
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/** A stand-in for exprag: a shell script that answers --version, run and ls as told. */
function fake(answers: { version?: string; run?: string; ls?: string }): string {
  const file = join(tempDir(), "exprag");
  const script = [
    "#!/bin/sh",
    'case "$1" in',
    `  --version) ${answers.version ?? `echo "${pkg.version} (fake)"`} ;;`,
    `  run) ${answers.run ?? "exit 0"} ;;`,
    `  ls) ${answers.ls ?? "echo '[]'"} ;;`,
    "esac",
  ].join("\n");
  writeFileSync(file, `${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

const listing = (run: Record<string, unknown>) =>
  `echo '${JSON.stringify([{ experiment_name: "smoke", short_id: "abcd1234", status: "ok", exit_code: 0, metrics: { loss: 0.5 }, ...run }])}'`;

describe("scripts/verify-binary.mjs", () => {
  test("passes a working build and says what it checked", () => {
    const result = verify([hostBinary()]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^ok: --version is ${pkg.version.replaceAll(".", "\\.")} \\(\\w*\\)\nok: run \\w+ recorded loss 0\\.5, and ls --json lists it\n$`),
    );
  }, 120_000);

  test.skipIf(process.platform === "win32")("takes the words before the binary as the command that starts it", () => {
    const result = verify(["sh", fake({ ls: listing({}) })]);
    expect(result.stdout).toBe(`ok: --version is ${pkg.version} (fake)\nok: run abcd1234 recorded loss 0.5, and ls --json lists it\n`);
    expect(result.exitCode).toBe(0);
  });

  test.skipIf(process.platform === "win32").each([
    ["another version", { version: "echo '9.9.9 (fake)'" }, `--version printed "9.9.9 (fake)", expected ${pkg.version}`],
    ["a run that exits non-zero", { run: "echo 'no git' >&2; exit 3" }, "exited with 3\nno git"],
    ["no run in ls", {}, "ls --json lists no run named smoke: []"],
    ["a failed run", { ls: listing({ status: "failed", exit_code: 2 }) }, "the run ended failed (exit 2)"],
    ["a run without the metric", { ls: listing({ metrics: {} }) }, "the run recorded metrics {}, expected loss 0.5"],
  ])("fails on %s, saying what it saw", (_, answers, message) => {
    const result = verify([fake(answers)]);
    expect(result.stderr).toContain(`verify-binary: `);
    expect(result.stderr).toContain(message);
    expect(result.exitCode).toBe(1);
  });

  test("fails when there is nothing to run, or it does not start", () => {
    expect(verify([]).stderr).toBe("verify-binary: usage: node scripts/verify-binary.mjs COMMAND... (the command that starts exprag)\n");
    const missing = verify([join(tempDir(), "exprag")]);
    expect(missing.stderr).toContain("could not start");
    expect(missing.exitCode).toBe(1);
  });
});
