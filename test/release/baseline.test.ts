import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, releaseFolder, targetFile } from "./builds";

const VERIFY = join(ROOT, "scripts", "verify-binary.mjs");
const qemu = Bun.which("qemu-x86_64");
const BUILD_TIMEOUT = 300_000;

let folder = "";
beforeAll(() => {
  folder = releaseFolder(["linux-x64", "linux-x64-baseline"]);
}, BUILD_TIMEOUT);

/** scripts/verify-binary.mjs on the baseline build, run by qemu as the given processor. */
function verifyOn(cpu: string) {
  const binary = join(folder, targetFile("linux-x64-baseline"));
  const result = Bun.spawnSync([process.execPath, VERIFY, qemu!, "-cpu", cpu, binary], { stdout: "pipe", stderr: "pipe" });
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

describe("the linux x64 builds", () => {
  test("both are built, each listed in SHA256SUMS with its own checksum", () => {
    const sums = readFileSync(join(folder, "SHA256SUMS"), "utf8");
    for (const name of ["linux-x64", "linux-x64-baseline"]) {
      const file = targetFile(name);
      const sum = createHash("sha256")
        .update(readFileSync(join(folder, file)))
        .digest("hex");
      expect(sums.split("\n")).toContain(`${sum}  ${file}`);
    }
  });

  // qemu-user enforces the emulated processor's features: an AVX or AVX2 instruction is SIGILL.
  test.skipIf(!qemu)(
    "the baseline build runs and records a run on a processor without AVX2 (qemu-user's Nehalem)",
    () => {
      const result = verifyOn("Nehalem");
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/^ok: --version is .*\nok: run \S+ recorded loss 0\.5, and ls --json lists it\n$/);
    },
    60_000,
  );

  test.skipIf(!qemu)(
    "the emulation is strict: on a processor older than Nehalem the baseline build does not start",
    () => {
      const result = verifyOn("core2duo");
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain("--version exited with SIGILL");
    },
    60_000,
  );
});
